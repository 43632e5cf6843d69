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

    /// <summary>
    /// Why a registering trainer is refused (another protocol version, build or run spec), for the user; null when it
    /// may register. Any input is safe: a spec hash of any length, or none (a short one used to throw).
    /// </summary>
    public string? RegistrationRefusal(int protocolVersion, string? softwareVersion, string? specHash) =>
        protocolVersion != ProtocolVersion
            ? $"control protocol version {protocolVersion}, the coordinator speaks {ProtocolVersion}"
            : softwareVersion != SoftwareVersion
                ? $"software version {softwareVersion}, the coordinator runs {SoftwareVersion}: run the same build on every node"
                : specHash != SpecHash
                    ? $"run spec hash {Prefix(specHash)} differs from the coordinator's {Prefix(SpecHash)}: start every node with the same --config and --set options"
                    : null;

    static string Prefix(string? hash) => hash is null ? "(none)" : hash.Length <= 12 ? hash : hash[..12];
}
