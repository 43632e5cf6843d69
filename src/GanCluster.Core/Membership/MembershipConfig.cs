namespace GanCluster.Core.Membership;

/// <summary>What the membership model needs to know about the run (from the run spec and the build).</summary>
/// <param name="Workers">trainers wanted (cluster.workers): the first world waits for all of them</param>
/// <param name="MinWorkers">later worlds form with at least this many (cluster.min_workers)</param>
/// <param name="RecoveryWindow">how long survivors of an aborted world have to report (cluster.recovery_window_seconds)</param>
/// <param name="ProtocolVersion">the control protocol this coordinator speaks</param>
/// <param name="SoftwareVersion">this build: every node must run the same one</param>
/// <param name="SpecHash">the run spec's hash: every trainer must be started with the same spec</param>
public sealed record MembershipConfig(int Workers, int MinWorkers, TimeSpan RecoveryWindow, int ProtocolVersion, string SoftwareVersion,
    string SpecHash)
{
    public ClusterTimings Timings { get; init; } = ClusterTimings.Default;
}
