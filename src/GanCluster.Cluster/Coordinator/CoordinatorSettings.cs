using GanCluster.Core.Membership;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Coordinator;

/// <summary>What the coordinator needs to plan a run.</summary>
public sealed class CoordinatorSettings
{
    public required RunSpec Spec { get; init; }

    public required string RunDir { get; init; }

    /// <summary>Continue the run in RunDir from its newest valid checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>Accept a checkpoint whose training-defining spec fields differ.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// This process replaces the coordinator of a running run (its world fence exists and no --resume was asked): it
    /// adopts the running world even when its journal is empty (a new pod whose SQLite journal was on the old pod's
    /// disk), and never prepares the run directory as a fresh run's.
    /// </summary>
    public bool ReplacesRunning { get; init; }

    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..12];

    public string SoftwareVersion { get; init; } = SoftwareInfo.Version;

    /// <summary>The run's distributed metrics (null: none); fed every event and each membership change.</summary>
    public GanCluster.Telemetry.CoordinatorMetrics? Metrics { get; init; }

    /// <summary>Every control-plane timeout, named.</summary>
    public ClusterTimings Timings { get; init; } = ClusterTimings.Default;

    /// <summary>Console lines for the user.</summary>
    public Action<string> Log { get; init; } = _ => { };

    /// <summary>Called once with the process exit code when the run is over (0 done, 1 failed, 2 bad input).</summary>
    public Action<int> Finished { get; init; } = _ => { };
}
