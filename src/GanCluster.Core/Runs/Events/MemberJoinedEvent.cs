namespace GanCluster.Core.Runs.Events;

/// <summary>A trainer registered for the first time; <paramref name="HoldsStep"/> is the state it holds (-1: none).</summary>
public sealed record MemberJoinedEvent(string Trainer, string Device, long HoldsStep) : RunEvent(EventKind.MemberJoined);
