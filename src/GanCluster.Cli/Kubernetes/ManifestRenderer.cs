using GanCluster.Cluster.Hosting;
using k8s;
using k8s.Models;

namespace GanCluster.Cli.Kubernetes;

/// <summary>
/// Renders the Kubernetes objects of a run (the same objects as helm/gancluster with the same settings): RBAC for
/// pod discovery, the run spec ConfigMap, the checkpoints PVC, headless Services, the coordinator and trainer Jobs
/// (<see cref="RunJobs"/>), a PodDisruptionBudget, a NetworkPolicy, and the monitoring objects. The run token Secret
/// is not an object here: kustomize generates it from a file (<see cref="KustomizeBase"/>), or it already exists.
/// </summary>
public static class ManifestRenderer
{
    public static IReadOnlyList<(string File, object Obj)> Render(RenderOptions o)
    {
        var objects = new List<(string, object)>
        {
            ("serviceaccount.yaml", new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta(o, o.Name, null) }),
            ("role.yaml", new V1Role
            {
                ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = Meta(o, $"{o.Name}-pod-reader", null),
                Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get", "watch", "list"] }],
            }),
            ("rolebinding.yaml", new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "RoleBinding", Metadata = Meta(o, $"{o.Name}-pod-reader", null),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = $"{o.Name}-pod-reader" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = o.Name }],
            }),
            ("configmap-spec.yaml", new V1ConfigMap
            {
                ApiVersion = "v1", Kind = "ConfigMap", Metadata = Meta(o, $"{o.Name}-spec", null),
                Data = new Dictionary<string, string> { ["run.yaml"] = o.SpecYaml },
            }),
            ("pvc-checkpoints.yaml", new V1PersistentVolumeClaim
            {
                ApiVersion = "v1", Kind = "PersistentVolumeClaim", Metadata = Meta(o, $"{o.Name}-checkpoints", null),
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteMany"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(o.CheckpointsSize) } },
                },
            }),
            ("service-coordinator.yaml", HeadlessService(o, NodeOptions.CoordinatorRole, withDataPlane: false)),
            ("service-trainer.yaml", HeadlessService(o, NodeOptions.TrainerRole, withDataPlane: true)),
            ("job-coordinator.yaml", RunJobs.Coordinator(o)),
            ("job-trainer.yaml", RunJobs.Trainer(o)),
            ("pdb-trainer.yaml", new V1PodDisruptionBudget
            {
                ApiVersion = "policy/v1", Kind = "PodDisruptionBudget", Metadata = Meta(o, $"{o.Name}-trainer", NodeOptions.TrainerRole),
                // Pods of a Job (no scale subresource) take an integer minAvailable only: all trainer pods but one.
                Spec = new V1PodDisruptionBudgetSpec { MinAvailable = Math.Max(0, o.TrainerPods - 1), Selector = new V1LabelSelector { MatchLabels = Selector(o, NodeOptions.TrainerRole) } },
            }),
            ("networkpolicy.yaml", NetworkPolicy(o)),
        };
        if (o.MonitoringDir is { } dir && Directory.Exists(dir))
            objects.AddRange(MonitoringObjects.Render(o, dir));
        return objects;
    }

    public static string ToYaml(object obj) => KubernetesYaml.Serialize(obj);

    public static Dictionary<string, string> Labels(RenderOptions o, string? component)
    {
        var labels = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "gancluster",
            ["app.kubernetes.io/instance"] = o.Name,
            ["app.kubernetes.io/part-of"] = "gancluster",
        };
        if (component != null) labels["app.kubernetes.io/component"] = component;
        return labels;
    }

    /// <summary>The labels that pick the run's pods: all of them, or one role's.</summary>
    public static Dictionary<string, string> Selector(RenderOptions o, string? component)
    {
        var selector = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "gancluster", ["app.kubernetes.io/instance"] = o.Name };
        if (component != null) selector["app.kubernetes.io/component"] = component;
        return selector;
    }

    /// <summary>The pod label selector every node of the run uses for cluster bootstrap (coordinator and trainers).</summary>
    public static string DiscoverySelector(string name) => $"app.kubernetes.io/name=gancluster,app.kubernetes.io/instance={name}";

    public static V1ObjectMeta Meta(RenderOptions o, string name, string? component) => new() { Name = name, Labels = Labels(o, component) };

    static V1Service HeadlessService(RenderOptions o, string component, bool withDataPlane)
    {
        var ports = new List<V1ServicePort>
        {
            new() { Name = "akka-remote", Port = NodePod.AkkaPort, TargetPort = "akka-remote" },
            new() { Name = "management", Port = NodePod.ManagementPort, TargetPort = "management" },
        };
        if (withDataPlane) ports.Add(new() { Name = "data-plane", Port = NodePod.DataPort, TargetPort = "data-plane" });
        ports.Add(new() { Name = "metrics", Port = NodePod.MetricsPort, TargetPort = "metrics" });
        return new V1Service
        {
            ApiVersion = "v1", Kind = "Service", Metadata = Meta(o, $"{o.Name}-{component}", component),
            // publishNotReadyAddresses: bootstrap and the pods' DNS names work before the pods are Ready.
            Spec = new V1ServiceSpec { ClusterIP = "None", PublishNotReadyAddresses = true, Selector = Selector(o, component), Ports = ports },
        };
    }

    /// <summary>
    /// Remoting, management (cluster bootstrap) and the data plane (one port per GPU) only from the run's own pods;
    /// /metrics only from the monitoring namespace. Kubelet probes come from the node, which a policy always allows.
    /// </summary>
    static V1NetworkPolicy NetworkPolicy(RenderOptions o)
    {
        var dataPlane = new V1NetworkPolicyPort { Protocol = "TCP", Port = NodePod.DataPort };
        if (o.GpusPerTrainerPod > 1) dataPlane.EndPort = NodePod.DataPort + o.GpusPerTrainerPod - 1;
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1", Kind = "NetworkPolicy", Metadata = Meta(o, o.Name, null),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = Selector(o, null) },
                PolicyTypes = ["Ingress"],
                Ingress =
                [
                    new V1NetworkPolicyIngressRule
                    {
                        FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Selector(o, null) } }],
                        Ports = [new() { Protocol = "TCP", Port = NodePod.AkkaPort }, new() { Protocol = "TCP", Port = NodePod.ManagementPort }, dataPlane],
                    },
                    new V1NetworkPolicyIngressRule
                    {
                        FromProperty =
                        [
                            new V1NetworkPolicyPeer
                            {
                                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = o.MetricsNamespace } },
                                PodSelector = new V1LabelSelector(),
                            },
                        ],
                        Ports = [new() { Protocol = "TCP", Port = NodePod.MetricsPort }],
                    },
                ],
            },
        };
    }
}
