namespace GanCluster.Cli.Kubernetes;

/// <summary>What `gancluster k8s render` needs beyond the run spec; the same knobs as the chart's values.yaml.</summary>
public sealed record RenderOptions
{
    /// <summary>Object name prefix and app.kubernetes.io/instance (the chart's release fullname).</summary>
    public string Name { get; init; } = "gancluster";
    public string Image { get; init; } = "gancluster:latest";
    /// <summary>Trainers in total (cluster.workers); trainer pods = Workers / GpusPerNode.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>GPUs (trainers) per trainer pod; 0: CPU pods with one trainer each (smoke runs).</summary>
    public int GpusPerNode { get; init; } = 1;
    public string CheckpointsMountPath { get; init; } = "/runs";
    public string CheckpointsSize { get; init; } = "100Gi";
    public int TerminationGracePeriodSeconds { get; init; } = 90;
    public string SpecYaml { get; init; } = "";
    /// <summary>Folder with rules/*.yaml and dashboards/*.json (deploy/monitoring); null: no monitoring objects.</summary>
    public string? MonitoringDir { get; init; }

    /// <summary>A Secret with the Akka remoting certificate (`cluster.pfx`, optional `password`); null: no TLS.</summary>
    public string? TlsSecret { get; init; }

    public int TrainerPods => GpusPerNode == 0 ? Workers : Workers / GpusPerNode;
}
