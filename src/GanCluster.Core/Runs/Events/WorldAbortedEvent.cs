namespace GanCluster.Core.Runs.Events;

/// <summary>World <paramref name="Epoch"/> was abandoned; <paramref name="Suspects"/> are the trainers believed dead.</summary>
public sealed record WorldAbortedEvent(long Epoch, string Reason, IReadOnlyList<string> Suspects) : RunEvent(EventKind.WorldAborted);
