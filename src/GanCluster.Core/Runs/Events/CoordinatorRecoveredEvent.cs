namespace GanCluster.Core.Runs.Events;

/// <summary>A restarted coordinator found world <paramref name="Epoch"/> training and reconnects to its members.</summary>
public sealed record CoordinatorRecoveredEvent(long Epoch, long CommittedStep, int Members) : RunEvent(EventKind.CoordinatorRecovered);
