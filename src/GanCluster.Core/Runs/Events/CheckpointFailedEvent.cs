namespace GanCluster.Core.Runs.Events;

/// <summary>A checkpoint could not be written (the run goes on; the previous checkpoint stays the newest).</summary>
public sealed record CheckpointFailedEvent(string Error) : RunEvent(EventKind.CheckpointFailed);
