namespace GanCluster.Core.Runs.Events;

/// <summary>A trainer failed in a way that ends the run (bad input, replica mismatch).</summary>
public sealed record TrainerFailedEvent(string Trainer, string Reason, bool Fatal) : RunEvent(EventKind.TrainerFailed);
