namespace GanCluster.Core.Runs.Events;

/// <summary>A world starts from <paramref name="Checkpoint"/> (step <paramref name="CheckpointStep"/>) although step <paramref name="CommittedStep"/> was committed: no live replica holds it.</summary>
public sealed record CheckpointFallbackEvent(long CommittedStep, long CheckpointStep, string? Checkpoint, string Reason) : RunEvent(EventKind.CheckpointFallback);
