namespace GanCluster.Core.Runs.Events;

/// <summary>Too few trainers to form a world: the coordinator waits for replacements.</summary>
public sealed record WaitingForTrainersEvent(int Available, int Needed) : RunEvent(EventKind.WaitingForTrainers);
