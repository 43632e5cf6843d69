namespace GanCluster.Core.Runs.Events;

/// <summary>A trainer left the run (it gave up after its restarts, or shut down).</summary>
public sealed record TrainerLeftEvent(string Trainer, string Reason) : RunEvent(EventKind.TrainerLeft);
