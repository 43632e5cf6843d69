namespace GanCluster.Core.Runs.Events;

/// <summary>A checkpoint was committed (atomically, checksummed) to <paramref name="Path"/>.</summary>
public sealed record CheckpointCommittedEvent(string Path, long Bytes, double Seconds) : RunEvent(EventKind.CheckpointCommitted);
