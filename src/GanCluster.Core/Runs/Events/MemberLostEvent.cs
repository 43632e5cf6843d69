namespace GanCluster.Core.Runs.Events;

/// <summary>A member of world <paramref name="Epoch"/> is gone (left, downed, unreachable).</summary>
public sealed record MemberLostEvent(string Trainer, long Epoch, string Reason) : RunEvent(EventKind.MemberLost);
