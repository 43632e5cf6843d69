namespace GanCluster.Core.Collapse;

/// <summary>A committed checkpoint as the collapse response sees it: its step and whether the flag was clear when it was taken.</summary>
public sealed record CollapseCheckpoint(long Step, bool FlagClear);
