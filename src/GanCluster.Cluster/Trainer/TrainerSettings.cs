using Akka.Actor;
using GanCluster.Cluster.DataPlane;
using GanCluster.Core.Membership;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Trainer;

/// <summary>What one trainer actor (one rank on one device) needs.</summary>
public sealed class TrainerSettings
{
    public required RunSpec Spec { get; init; }

    public required string RunDir { get; init; }

    public required string Device { get; init; }

    /// <summary>Unique per process incarnation and device, e.g. host:pid/0.</summary>
    public required string TrainerId { get; init; }

    /// <summary>The rank this trainer should get in the first world (Kubernetes: pod ordinal x devices + device index); -1: none.</summary>
    public int RankHint { get; init; } = -1;

    public required IDataPlane DataPlane { get; init; }

    /// <summary>What this trainer trains: <see cref="GanRankReplica.Create"/>, or a <see cref="SimulatedReplica"/> (`--simulate`).</summary>
    public required ReplicaFactory CreateReplica { get; init; }

    /// <summary>The coordinator singleton's proxy.</summary>
    public required IActorRef Coordinator { get; init; }

    public string SoftwareVersion { get; init; } = SoftwareInfo.Version;

    /// <summary>Accept a resume checkpoint whose training-defining spec fields differ (the coordinator already checked).</summary>
    public bool Force { get; init; }

    /// <summary>Every control-plane timeout, named.</summary>
    public ClusterTimings Timings { get; init; } = ClusterTimings.Default;

    public Action<string> Log { get; init; } = _ => { };

    /// <summary>This rank's metrics (null: none).</summary>
    public GanCluster.Telemetry.TrainerMetrics? Metrics { get; init; }

    /// <summary>Called once with the GAN trainer (it lives as long as this actor) so the node can attach its own observers (TensorBoard).</summary>
    public Action<GanCluster.Training.GanTrainer>? TrainerCreated { get; init; }

    /// <summary>Called once with this trainer's exit code (<see cref="GanCluster.Core.Runs.ExitCodes"/>) when it stops.</summary>
    public Action<int> Stopped { get; init; } = _ => { };
}
