using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Cluster formation on Kubernetes: no seed nodes; Akka.Management's cluster bootstrap finds contact points by
/// listing the pods that match <see cref="PodLabelSelector"/> through the Kubernetes API (the pod's ServiceAccount
/// needs get/watch/list on pods), probes their management endpoints, and the lowest address forms the cluster once
/// <see cref="RequiredContactPoints"/> pods are seen. Bound from the pod's environment (see the chart in helm/gancluster).
/// </summary>
public sealed record KubernetesBootstrapOptions
{
    public const string PodIpVariable = "POD_IP";
    public const string PodNamespaceVariable = "POD_NAMESPACE";
    public const string LabelSelectorVariable = "GANCLUSTER_POD_LABEL_SELECTOR";
    public const string RequiredContactPointsVariable = "GANCLUSTER_REQUIRED_CONTACT_POINTS";
    public const string ManagementPortVariable = "GANCLUSTER_MANAGEMENT_PORT";
    public const string ServiceNameVariable = "GANCLUSTER_SERVICE_NAME";

    /// <summary>The port name the pods declare for Akka.Management (the chart's `management` port).</summary>
    public const string ManagementPortName = "management";
    public const int DefaultManagementPort = 8558;

    /// <summary>Label selector of every pod of this run (coordinator and trainers), e.g. app.kubernetes.io/instance=gan,gancluster.io/cluster=gan.</summary>
    public required string PodLabelSelector { get; init; }

    /// <summary>Pods that must be discovered before a new cluster forms (coordinator + trainers at first start).</summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>HTTP port of Akka.Management: bootstrap probes, <c>/alive</c> and <c>/ready</c>.</summary>
    public int ManagementPort { get; init; } = DefaultManagementPort;

    /// <summary>Namespace to list pods in (null: the ServiceAccount's namespace file).</summary>
    public string? PodNamespace { get; init; }

    /// <summary>Bootstrap service name (only names the lookup; pods are found by the label selector).</summary>
    public string ServiceName { get; init; } = NodeOptions.SystemName;

    /// <summary>
    /// Reads the options as a pod sees them: POD_IP and POD_NAMESPACE from the downward API, the selector, the required
    /// contact points and the management port from the chart's environment. A missing or bad value is a user error.
    /// </summary>
    public static (KubernetesBootstrapOptions Options, string PodIp) FromEnvironment(Func<string, string?> env)
    {
        var problems = new List<SpecProblem>();
        string? podIp = env(PodIpVariable);
        if (string.IsNullOrWhiteSpace(podIp)) problems.Add(new SpecProblem(PodIpVariable, "the pod's IP (downward API status.podIP)", "nothing"));
        string? selector = env(LabelSelectorVariable);
        if (string.IsNullOrWhiteSpace(selector)) problems.Add(new SpecProblem(LabelSelectorVariable, "a pod label selector such as app.kubernetes.io/instance=gan", "nothing"));
        int contactPoints = ReadInt(env, RequiredContactPointsVariable, 2, 1, 100_000, problems);
        int managementPort = ReadInt(env, ManagementPortVariable, DefaultManagementPort, 1, 65535, problems);
        if (problems.Count > 0) throw new SpecException(problems, "pod environment");
        var options = new KubernetesBootstrapOptions
        {
            PodLabelSelector = selector!,
            RequiredContactPoints = contactPoints,
            ManagementPort = managementPort,
            PodNamespace = env(PodNamespaceVariable) is { Length: > 0 } ns ? ns : null,
            ServiceName = env(ServiceNameVariable) is { Length: > 0 } sn ? sn : NodeOptions.SystemName,
        };
        return (options, podIp!);
    }

    static int ReadInt(Func<string, string?> env, string name, int fallback, int min, int max, List<SpecProblem> problems)
    {
        string? text = env(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (int.TryParse(text, out int value) && value >= min && value <= max) return value;
        problems.Add(new SpecProblem(name, $"an integer from {min} to {max}", $"'{text}'"));
        return fallback;
    }
}
