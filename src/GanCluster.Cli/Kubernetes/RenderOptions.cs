namespace GanCluster.Cli.Kubernetes;

/// <summary>What `gancluster k8s render` needs beyond the run spec; the same knobs as the chart's values.yaml.</summary>
public sealed record RenderOptions
{
    /// <summary>Object name prefix and app.kubernetes.io/instance (the chart's release fullname).</summary>
    public string Name { get; init; } = "gancluster";
    public string Image { get; init; } = "gancluster:latest";
    /// <summary>The coordinator's image (it needs no torch: a slim image can serve); null: <see cref="Image"/>.</summary>
    public string? CoordinatorImage { get; init; }
    /// <summary>Trainers in total (cluster.workers); trainer pods = Workers / GpusPerTrainerPod.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>GPUs (trainers) per trainer pod; 0: CPU pods with one trainer each (smoke runs).</summary>
    public int GpusPerTrainerPod { get; init; } = 1;
    /// <summary>cluster.max_restarts of the run spec: each pod's retry budget after a crash (the Jobs' backoff limits).</summary>
    public int MaxRestarts { get; init; } = 3;
    /// <summary>The coordinator continues the run directory from its newest checkpoint (--resume).</summary>
    public bool Resume { get; init; }
    public string CheckpointsMountPath { get; init; } = "/runs";
    public string CheckpointsSize { get; init; } = "100Gi";
    public int TerminationGracePeriodSeconds { get; init; } = 90;
    public string SpecYaml { get; init; } = "";
    /// <summary>Folder with rules/*.yaml and dashboards/*.json (deploy/monitoring); null: no monitoring objects.</summary>
    public string? MonitoringDir { get; init; }
    /// <summary>The namespace whose pods may scrape /metrics (the NetworkPolicy).</summary>
    public string MetricsNamespace { get; init; } = "monitoring";

    /// <summary>A Secret with the Akka remoting certificate (`cluster.pfx`, optional `password`); null: no TLS.</summary>
    public string? TlsSecret { get; init; }

    /// <summary>An existing Secret with the run token (key `token`); null: kustomize generates `&lt;name&gt;-token` from the file `token`.</summary>
    public string? TokenSecret { get; init; }

    public int TrainerPods => GpusPerTrainerPod == 0 ? Workers : Workers / GpusPerTrainerPod;

    public string TokenSecretName => TokenSecret ?? $"{Name}-token";
}
