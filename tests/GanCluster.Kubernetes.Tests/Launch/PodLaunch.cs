using k8s.Models;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// One pod of a rendered Job made into a process description, as the Job controller and the kubelet would start it:
/// its name and hostname, the container's args and resolved environment, its volumes as folders under
/// <see cref="Root"/>, the ServiceAccount files, and the pod object the API server lists. Built by <see cref="RenderedPods"/>.
/// </summary>
public sealed record PodLaunch
{
    /// <summary>The pod's name: &lt;job&gt;-&lt;index&gt;-&lt;random&gt; (a new one for every replacement pod).</summary>
    public required string Name { get; init; }
    /// <summary>An Indexed Job pod's hostname: &lt;job&gt;-&lt;index&gt; (the same for every replacement).</summary>
    public required string Hostname { get; init; }
    public required string Namespace { get; init; }
    public required string Role { get; init; }
    public required int Index { get; init; }
    public required string PodIp { get; init; }
    /// <summary>The container's args (the image's entrypoint is `gancluster`), volume paths rewritten into <see cref="Root"/>.</summary>
    public required IReadOnlyList<string> Args { get; init; }
    /// <summary>The container's environment: its env list resolved (downward API, Secrets), the image's and the kubelet's variables.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    /// <summary>The pod's own folder: volume mount M is the folder Root + M (a PersistentVolumeClaim: a folder shared by all pods).</summary>
    public required string Root { get; init; }
    /// <summary>Files the kubelet mounts at <see cref="RenderedPods.ServiceAccountDir"/> (token, ca.crt, namespace), in a folder of the pod.</summary>
    public required string ServiceAccountFiles { get; init; }
    /// <summary>The pod as the API server lists it (Running, with its IP, labels and the Job's index annotation).</summary>
    public required V1Pod Pod { get; init; }
}
