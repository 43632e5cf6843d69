namespace GanCluster.Core.Runs.Events;

/// <summary>A step skipped D's and/or G's update because the averaged gradients or losses were not finite.</summary>
public sealed record NonFiniteSkippedEvent(bool D, bool G, double LossD, double LossG) : RunEvent(EventKind.NonFiniteSkipped);
