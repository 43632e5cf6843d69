namespace GanCluster.Core.Collapse;

/// <summary>
/// A committed checkpoint as the collapse response sees it: its step, whether the flag was clear when it was taken,
/// and the collapse_score of the last evaluation before it (null when none had run).
/// </summary>
public sealed record CollapseCheckpoint(long Step, bool FlagClear, double? LastScore = null);
