using System.Text;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// A pod's /etc/hosts on the test bed, where no cluster DNS runs: what the kubelet writes (localhost, and the pod's own
/// IP with its FQDN &lt;hostname&gt;.&lt;subdomain&gt;.&lt;namespace&gt;.svc.cluster.local and hostname), followed by the
/// names the cluster DNS would answer for the run's other pods through their Job's headless Service
/// (&lt;hostname&gt;.&lt;subdomain&gt;[.&lt;namespace&gt;.svc.cluster.local]). Rewritten in place when pods come and go, as
/// DNS records follow pods (the bind mount over /etc/hosts keeps the inode).
/// </summary>
public static class PodHostsFile
{
    public const string ClusterDomain = "svc.cluster.local";

    public static string Content(PodLaunch self, IEnumerable<PodLaunch> runningPods)
    {
        var text = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        text.Append($"{self.PodIp}\t{Fqdn(self)}\t{self.Hostname}\n");
        foreach (var pod in runningPods.Where(p => p.Name != self.Name))
            text.Append($"{pod.PodIp}\t{Fqdn(pod)}\t{pod.Hostname}.{pod.Pod.Spec.Subdomain}\n");
        return text.ToString();
    }

    /// <summary>The name the headless Service gives pod k of an Indexed Job: &lt;job&gt;-k.&lt;subdomain&gt;.&lt;ns&gt;.svc.cluster.local.</summary>
    public static string Fqdn(PodLaunch pod) => $"{pod.Hostname}.{pod.Pod.Spec.Subdomain}.{pod.Namespace}.{ClusterDomain}";
}
