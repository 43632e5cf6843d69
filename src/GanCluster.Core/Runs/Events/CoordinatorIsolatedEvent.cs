namespace GanCluster.Core.Runs.Events;

/// <summary>The coordinator sees <paramref name="Unreachable"/> of the world's members unreachable: it is the one cut off, and changes nothing.</summary>
public sealed record CoordinatorIsolatedEvent(long Epoch, int Unreachable, int WorldSize) : RunEvent(EventKind.CoordinatorIsolated);
