namespace GanCluster.Core.Runs.Events;

/// <summary>A trainer failed on its own (not its world) and restarts its loop after a backoff.</summary>
public sealed record TrainerRestartedEvent(string Trainer, int Restart, double BackoffSeconds, string Reason) : RunEvent(EventKind.TrainerRestarted);
