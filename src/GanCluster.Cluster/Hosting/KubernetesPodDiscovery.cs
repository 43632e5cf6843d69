using System.Net;
using Akka.Actor;
using Akka.Discovery;
using k8s;
using k8s.Models;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Akka.Discovery over the Kubernetes API: lists the pods of the run (namespace + label selector) and returns each
/// running pod's IP with the container port whose name the lookup asks for (the bootstrap asks for `management`).
/// The pod's ServiceAccount needs get/watch/list on pods (the chart's Role).
/// </summary>
/// <remarks>
/// Akka.Discovery.KubernetesApi 1.5.73 does the same but is compiled against KubernetesClient 17.0.14, which the
/// package feed does not serve; with 19.x its lookup fails with MissingMethodException (V1PodList's constructor),
/// so this small discovery is compiled against the KubernetesClient the solution pins.
/// </remarks>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    public const string Method = "gancluster-kubernetes";
    const string NamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    readonly string _selector;
    readonly string? _namespace;
    readonly Lazy<IKubernetes> _client = new(() => new Kubernetes(KubernetesClientConfiguration.InClusterConfig()));

    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        var config = system.Settings.Config.GetConfig($"akka.discovery.{Method}");
        _selector = config.GetString("pod-label-selector", "");
        _namespace = config.GetString("pod-namespace", "") is { Length: > 0 } ns ? ns
            : File.Exists(NamespaceFile) ? File.ReadAllText(NamespaceFile).Trim() : null;
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        if (_namespace == null) throw new InvalidOperationException($"no pod namespace: set POD_NAMESPACE or mount the ServiceAccount ({NamespaceFile})");
        using var cts = new CancellationTokenSource(resolveTimeout);
        var pods = await _client.Value.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: _selector, cancellationToken: cts.Token);
        return new Resolved(lookup.ServiceName, Targets(pods.Items, lookup.PortName));
    }

    /// <summary>Running, not terminating pods with an IP; the port is the container port named <paramref name="portName"/> (none: no port).</summary>
    public static IReadOnlyList<ResolvedTarget> Targets(IEnumerable<V1Pod> pods, string? portName)
    {
        var targets = new List<ResolvedTarget>();
        foreach (var pod in pods)
        {
            if (pod.Status?.Phase != "Running" || pod.Metadata?.DeletionTimestamp != null) continue;
            if (pod.Status.PodIP is not { Length: > 0 } ip || !IPAddress.TryParse(ip, out var address)) continue;
            int? port = null;
            if (portName is { Length: > 0 })
            {
                port = (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == portName)?.ContainerPort;
                if (port == null) continue; // not a node of this run (no such port)
            }
            targets.Add(new ResolvedTarget(ip, port, address)); // the raw pod IP: no pod DNS needed
        }
        return targets;
    }
}
