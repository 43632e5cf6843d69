using GanCluster.Cluster.Hosting;
using GanCluster.Telemetry;
using k8s.Models;

namespace GanCluster.Cli.Kubernetes;

/// <summary>
/// The pod of one role (coordinator or trainer) as `k8s render` writes it: command line, environment, ports,
/// resources, probes, security and volumes. <see cref="Args"/> is the one place that spells the CLI's options;
/// helm/gancluster/templates/_helpers.tpl ("gancluster.args") is its twin, and a test keeps the two equal.
/// </summary>
public static class NodePod
{
    public const int AkkaPort = 4053, ManagementPort = KubernetesBootstrapOptions.DefaultManagementPort, DataPort = 5000, MetricsPort = 9090;
    public const int RunAsUser = 10001;
    public const string ContainerName = "gancluster";
    public const string SpecMount = "/etc/gancluster";
    public const string TlsMount = "/etc/gancluster/tls";
    public const string TlsPasswordVariable = "GANCLUSTER_TLS_PASSWORD";
    public const string LogFormatVariable = "GANCLUSTER_LOG_FORMAT";
    /// <summary>The annotation an Indexed Job puts on each pod: its completion index (0 .. completions-1).</summary>
    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

    public static string RunDir(RenderOptions o) => $"{o.CheckpointsMountPath.TrimEnd('/')}/{o.Name}";

    /// <summary>The command line of a pod of <paramref name="role"/> (the image's entrypoint is `gancluster`).</summary>
    public static List<string> Args(RenderOptions o, string role)
    {
        var args = new List<string> { role, "--config", $"{SpecMount}/run.yaml", "--out", RunDir(o), "--discovery", "kubernetes",
            "--host", "0.0.0.0", "--port", AkkaPort.ToString(), "--metrics-port", MetricsPort.ToString() };
        if (o.TlsSecret != null) args.AddRange(["--tls-certificate", $"{TlsMount}/cluster.pfx", "--tls-password-env", TlsPasswordVariable]);
        if (role == NodeOptions.TrainerRole)
        {
            string devices = o.GpusPerTrainerPod == 0 ? "cpu" : string.Join(",", Enumerable.Range(0, o.GpusPerTrainerPod).Select(i => $"cuda:{i}"));
            args.AddRange(["--device", devices, "--data-port", DataPort.ToString()]);
        }
        else
        {
            args.AddRange(["--workers", o.Workers.ToString()]);
            if (o.Resume) args.Add("--resume");
        }
        return args;
    }

    public static V1PodTemplateSpec Template(RenderOptions o, string role, Dictionary<string, string> labels)
    {
        bool trainer = role == NodeOptions.TrainerRole;
        int gpus = trainer ? o.GpusPerTrainerPod : 0;
        var requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(trainer ? "4" : "500m"), ["memory"] = new(trainer ? "16Gi" : "1Gi") };
        var limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(trainer ? "32Gi" : "2Gi") };
        if (gpus > 0) limits["nvidia.com/gpu"] = requests["nvidia.com/gpu"] = new ResourceQuantity(gpus.ToString());

        var container = new V1Container
        {
            Name = ContainerName, Image = trainer ? o.Image : o.CoordinatorImage ?? o.Image, ImagePullPolicy = "IfNotPresent",
            Args = Args(o, role), Env = Env(o, trainer), Ports = Ports(trainer),
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
            RestartPolicy = "Never", // the Job replaces a failed pod (podFailurePolicy needs Never)
            Subdomain = $"{o.Name}-{role}", // the headless Service: <job>-<index>.<service> names each pod
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
                new() { Name = "dshm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity(trainer ? "8Gi" : "256Mi") } },
            ],
        };
        if (o.TlsSecret != null) pod.Volumes.Insert(3, new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = o.TlsSecret } });
        return new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod };
    }

    static List<V1EnvVar> Env(RenderOptions o, bool trainer)
    {
        var env = new List<V1EnvVar>();
        if (o.TlsSecret != null)
            env.Add(new V1EnvVar
            {
                Name = TlsPasswordVariable,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = o.TlsSecret, Key = "password", Optional = true } },
            });
        env.AddRange(
        [
            FieldEnv(TelemetryOptions.NodeNameVariable, "metadata.name"), // the `node` label of its metrics
            FieldEnv(KubernetesBootstrapOptions.PodNamespaceVariable, "metadata.namespace"),
            FieldEnv(KubernetesBootstrapOptions.PodIpVariable, "status.podIP"),
            new() { Name = KubernetesBootstrapOptions.LabelSelectorVariable, Value = ManifestRenderer.DiscoverySelector(o.Name) },
            new() { Name = KubernetesBootstrapOptions.RequiredContactPointsVariable, Value = (o.TrainerPods + 1).ToString() },
            new() { Name = KubernetesBootstrapOptions.ManagementPortVariable, Value = ManagementPort.ToString() },
            new() { Name = LogFormatVariable, Value = "json" },
            // Every node: control messages are sealed with the run token, data-plane connections prove it (docs/security.md).
            new() { Name = RunTokenVariable, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = o.TokenSecretName, Key = "token" } } },
        ]);
        if (trainer) // The Job's completion index: pod k holds ranks k*gpus .. k*gpus+gpus-1 in the first world.
            env.Add(FieldEnv(PodRank.OrdinalVariable, $"metadata.annotations['{CompletionIndexAnnotation}']"));
        else
            env.Add(new V1EnvVar
            {
                Name = JournalOptions.PostgresVariable,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = $"{o.Name}-journal", Key = "connection", Optional = true } },
            });
        return env;
    }

    const string RunTokenVariable = Commands.NodeCommandOptions.TokenVariable;

    static List<V1ContainerPort> Ports(bool trainer)
    {
        var ports = new List<V1ContainerPort>
        {
            new() { Name = "akka-remote", ContainerPort = AkkaPort },
            new() { Name = "management", ContainerPort = ManagementPort },
        };
        if (trainer) ports.Add(new() { Name = "data-plane", ContainerPort = DataPort });
        ports.Add(new() { Name = "metrics", ContainerPort = MetricsPort });
        return ports;
    }

    static V1EnvVar FieldEnv(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    static V1Probe Probe(string path, int initialDelay, int period, int failures) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = "management" },
        InitialDelaySeconds = initialDelay, PeriodSeconds = period, FailureThreshold = failures, TimeoutSeconds = 3,
    };
}
