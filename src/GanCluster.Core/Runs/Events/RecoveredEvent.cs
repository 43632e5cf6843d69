namespace GanCluster.Core.Runs.Events;

/// <summary>World <paramref name="Epoch"/>, formed after a failure, completed its first step <paramref name="Seconds"/> after the failure was seen.</summary>
public sealed record RecoveredEvent(long Epoch, double Seconds, string Reason, int WorldSize) : RunEvent(EventKind.Recovered);
