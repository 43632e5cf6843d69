namespace GanCluster.TestBed.Nemesis;

/// <summary>
/// A fault as applied: what, to which node (as planned and as resolved), when it started and when it was healed
/// (equal for a kill), and the process it hit.
/// </summary>
public sealed record FaultRecord(FaultKind Kind, string Target, string Node, string Role, string Host, DateTimeOffset Started,
    DateTimeOffset Ended, int? Pid = null, long? BandwidthBitsPerSecond = null);
