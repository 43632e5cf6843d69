namespace GanCluster.Core.Runs.Events;

/// <summary>The coordinator refused a trainer's registration (protocol, software or spec mismatch).</summary>
public sealed record TrainerRefusedEvent(string Trainer, string Reason) : RunEvent(EventKind.TrainerRefused);
