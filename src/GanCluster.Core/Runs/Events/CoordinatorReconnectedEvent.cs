namespace GanCluster.Core.Runs.Events;

/// <summary>The coordinator reaches the world's members again after being cut off.</summary>
public sealed record CoordinatorReconnectedEvent(long Epoch) : RunEvent(EventKind.CoordinatorReconnected);
