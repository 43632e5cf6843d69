namespace GanCluster.Core.Runs.Events;

/// <summary>A resume or a collapse rollback skipped a checkpoint that does not read, verify or load: why.</summary>
public sealed record CheckpointSkippedEvent(string Warning) : RunEvent(EventKind.CheckpointSkipped);
