using GanCluster.Cluster.Hosting;
using k8s;
using k8s.Models;

namespace GanCluster.Cli.Kubernetes;

/// <summary>
/// Renders the Kubernetes objects of a run (the same objects as helm/gancluster with the same settings): RBAC for
/// pod discovery, the run spec ConfigMap, the run token Secret, the checkpoints PVC, headless Services, the
/// coordinator and trainer StatefulSets, a PodDisruptionBudget, and the monitoring objects.
/// </summary>
public static class ManifestRenderer
{
    public const int AkkaPort = 4053, ManagementPort = KubernetesBootstrapOptions.DefaultManagementPort, DataPort = 5000, MetricsPort = 9090;
    public const int RunAsUser = 10001;
    const string SpecMount = "/etc/gancluster";

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
            ("secret-token.yaml", new V1Secret
            {
                ApiVersion = "v1", Kind = "Secret", Metadata = Meta(o, $"{o.Name}-token", null), Type = "Opaque",
                // Replace before applying (docs/kubernetes.md); every trainer must see the same value.
                StringData = new Dictionary<string, string> { ["token"] = "change-me" },
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
            ("service-coordinator.yaml", HeadlessService(o, "coordinator", withDataPlane: false)),
            ("service-trainer.yaml", HeadlessService(o, "trainer", withDataPlane: true)),
            ("statefulset-coordinator.yaml", StatefulSet(o, "coordinator")),
            ("statefulset-trainer.yaml", StatefulSet(o, "trainer")),
            ("pdb-trainer.yaml", new V1PodDisruptionBudget
            {
                ApiVersion = "policy/v1", Kind = "PodDisruptionBudget", Metadata = Meta(o, $"{o.Name}-trainer", "trainer"),
                Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = new V1LabelSelector { MatchLabels = Selector(o, "trainer") } },
            }),
        };
        if (o.MonitoringDir is { } dir && Directory.Exists(dir))
            objects.AddRange(Monitoring(o, dir));
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

    static Dictionary<string, string> Selector(RenderOptions o, string component) => new()
    {
        ["app.kubernetes.io/name"] = "gancluster", ["app.kubernetes.io/instance"] = o.Name, ["app.kubernetes.io/component"] = component,
    };

    /// <summary>The pod label selector every node of the run uses for cluster bootstrap (coordinator and trainers).</summary>
    public static string DiscoverySelector(string name) => $"app.kubernetes.io/name=gancluster,app.kubernetes.io/instance={name}";

    static V1ObjectMeta Meta(RenderOptions o, string name, string? component) => new() { Name = name, Labels = Labels(o, component) };

    static V1Service HeadlessService(RenderOptions o, string component, bool withDataPlane)
    {
        var ports = new List<V1ServicePort>
        {
            new() { Name = "akka-remote", Port = AkkaPort, TargetPort = "akka-remote" },
            new() { Name = "management", Port = ManagementPort, TargetPort = "management" },
        };
        if (withDataPlane) ports.Add(new() { Name = "data-plane", Port = DataPort, TargetPort = "data-plane" });
        ports.Add(new() { Name = "metrics", Port = MetricsPort, TargetPort = "metrics" });
        return new V1Service
        {
            ApiVersion = "v1", Kind = "Service", Metadata = Meta(o, $"{o.Name}-{component}", component),
            Spec = new V1ServiceSpec { ClusterIP = "None", PublishNotReadyAddresses = true, Selector = Selector(o, component), Ports = ports },
        };
    }

    const string TlsMount = "/etc/gancluster/tls";
    const string TlsPasswordVariable = "GANCLUSTER_TLS_PASSWORD";

    static V1StatefulSet StatefulSet(RenderOptions o, string component)
    {
        bool trainer = component == "trainer";
        int gpus = trainer ? o.GpusPerNode : 0;
        string runDir = $"{o.CheckpointsMountPath.TrimEnd('/')}/{o.Name}";
        var args = new List<string> { component, "--config", $"{SpecMount}/run.yaml", "--out", runDir, "--discovery", "kubernetes",
            "--host", "0.0.0.0", "--port", AkkaPort.ToString(), "--metrics-port", MetricsPort.ToString() };
        if (o.TlsSecret != null) args.AddRange(["--tls-certificate", $"{TlsMount}/cluster.pfx", "--tls-password-env", TlsPasswordVariable]);
        if (trainer)
        {
            string devices = gpus == 0 ? "cpu" : string.Join(",", Enumerable.Range(0, gpus).Select(i => $"cuda:{i}"));
            args.AddRange(["--device", devices, "--data-port", DataPort.ToString()]);
        }
        else args.AddRange(["--workers", o.Workers.ToString()]);

        var env = new List<V1EnvVar>();
        if (o.TlsSecret != null)
            env.Add(new V1EnvVar
            {
                Name = TlsPasswordVariable,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = o.TlsSecret, Key = "password", Optional = true } },
            });
        env.AddRange(new List<V1EnvVar>
        {
            FieldEnv(GanCluster.Telemetry.TelemetryOptions.NodeNameVariable, "metadata.name"), // the `node` label of its metrics
            FieldEnv(KubernetesBootstrapOptions.PodNamespaceVariable, "metadata.namespace"),
            FieldEnv(KubernetesBootstrapOptions.PodIpVariable, "status.podIP"),
            new() { Name = KubernetesBootstrapOptions.LabelSelectorVariable, Value = DiscoverySelector(o.Name) },
            new() { Name = KubernetesBootstrapOptions.RequiredContactPointsVariable, Value = (o.TrainerPods + 1).ToString() },
            new() { Name = KubernetesBootstrapOptions.ManagementPortVariable, Value = ManagementPort.ToString() },
        });
        if (trainer)
        {
            env.Add(FieldEnv(PodRank.OrdinalVariable, "metadata.labels['apps.kubernetes.io/pod-index']"));
            env.Add(new V1EnvVar { Name = "GANCLUSTER_RUN_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = $"{o.Name}-token", Key = "token" } } });
        }
        else
            env.Add(new V1EnvVar
            {
                Name = JournalOptions.PostgresVariable,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = $"{o.Name}-journal", Key = "connection", Optional = true } },
            });

        var ports = new List<V1ContainerPort>
        {
            new() { Name = "akka-remote", ContainerPort = AkkaPort },
            new() { Name = "management", ContainerPort = ManagementPort },
        };
        if (trainer) ports.Add(new() { Name = "data-plane", ContainerPort = DataPort });
        ports.Add(new() { Name = "metrics", ContainerPort = MetricsPort });

        var requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(trainer ? "4" : "500m"), ["memory"] = new(trainer ? "16Gi" : "1Gi") };
        var limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(trainer ? "32Gi" : "2Gi") };
        if (gpus > 0) limits["nvidia.com/gpu"] = requests["nvidia.com/gpu"] = new ResourceQuantity(gpus.ToString());

        var container = new V1Container
        {
            Name = "gancluster", Image = o.Image, ImagePullPolicy = "IfNotPresent", Args = args, Env = env, Ports = ports,
            Resources = new V1ResourceRequirements { Requests = requests, Limits = limits },
            LivenessProbe = Probe(HealthRouteProvider.AlivePath, initialDelay: 10, period: 10, failures: 6),
            ReadinessProbe = Probe(HealthRouteProvider.ReadyPath, initialDelay: 5, period: 5, failures: 3),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true, RunAsUser = RunAsUser, AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
            VolumeMounts =
            [
                new() { Name = "spec", MountPath = SpecMount, ReadOnlyProperty = true },
                new() { Name = "checkpoints", MountPath = o.CheckpointsMountPath },
                new() { Name = "tmp", MountPath = "/tmp" },
                new() { Name = "dshm", MountPath = "/dev/shm" },
            ],
        };
        if (o.TlsSecret != null) container.VolumeMounts.Insert(3, new V1VolumeMount { Name = "tls", MountPath = TlsMount, ReadOnlyProperty = true });
        var pod = new V1PodSpec
        {
            ServiceAccountName = o.Name,
            TerminationGracePeriodSeconds = o.TerminationGracePeriodSeconds,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true, RunAsUser = RunAsUser, RunAsGroup = RunAsUser, FsGroup = RunAsUser,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Containers = [container],
            Volumes =
            [
                new() { Name = "spec", ConfigMap = new V1ConfigMapVolumeSource { Name = $"{o.Name}-spec" } },
                new() { Name = "checkpoints", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = $"{o.Name}-checkpoints" } },
                new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                new() { Name = "dshm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
            ],
        };
        if (o.TlsSecret != null) pod.Volumes.Insert(3, new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = o.TlsSecret } });
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1", Kind = "StatefulSet", Metadata = Meta(o, $"{o.Name}-{component}", component),
            Spec = new V1StatefulSetSpec
            {
                Replicas = trainer ? o.TrainerPods : 1,
                ServiceName = $"{o.Name}-{component}",
                PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = Selector(o, component) },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels(o, component) }, Spec = pod },
            },
        };
    }

    static V1EnvVar FieldEnv(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    static V1Probe Probe(string path, int initialDelay, int period, int failures) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = "management" },
        InitialDelaySeconds = initialDelay, PeriodSeconds = period, FailureThreshold = failures, TimeoutSeconds = 3,
    };

    static IEnumerable<(string, object)> Monitoring(RenderOptions o, string dir)
    {
        var monitorLabels = Labels(o, null);
        yield return ("servicemonitor.yaml", new Dictionary<string, object>
        {
            ["apiVersion"] = "monitoring.coreos.com/v1", ["kind"] = "ServiceMonitor",
            ["metadata"] = new Dictionary<string, object> { ["name"] = o.Name, ["labels"] = monitorLabels },
            ["spec"] = new Dictionary<string, object>
            {
                ["selector"] = new Dictionary<string, object> { ["matchLabels"] = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "gancluster", ["app.kubernetes.io/instance"] = o.Name } },
                ["endpoints"] = new[] { new Dictionary<string, object> { ["port"] = "metrics", ["interval"] = "15s" } },
            },
        });
        var groups = new List<object>();
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "rules"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var doc = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(file));
            if (doc?.GetValueOrDefault("groups") is List<object> g) groups.AddRange(g);
        }
        yield return ("prometheusrule.yaml", new Dictionary<string, object>
        {
            ["apiVersion"] = "monitoring.coreos.com/v1", ["kind"] = "PrometheusRule",
            ["metadata"] = new Dictionary<string, object> { ["name"] = o.Name, ["labels"] = monitorLabels },
            ["spec"] = new Dictionary<string, object> { ["groups"] = groups },
        });
        var dashboards = Directory.GetFiles(Path.Combine(dir, "dashboards"), "*.json").Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var dashboardLabels = new Dictionary<string, string>(monitorLabels) { ["grafana_dashboard"] = "1" };
        yield return ("configmap-dashboard.yaml", new V1ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = $"{o.Name}-dashboard", Labels = dashboardLabels },
            Data = dashboards,
        });
    }
}
