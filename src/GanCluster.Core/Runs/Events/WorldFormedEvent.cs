namespace GanCluster.Core.Runs.Events;

/// <summary>
/// A world formed: its epoch, ranks and start step; where its start state comes from (a live rank,
/// <paramref name="SourceRank"/>, for the ranks in <paramref name="NeedState"/>, or a checkpoint).
/// </summary>
public sealed record WorldFormedEvent(long Epoch, int WorldSize, long StartStep, int? SourceRank, IReadOnlyList<int> NeedState,
    string? ResumeCheckpoint, IReadOnlyList<RankedTrainer> Members) : RunEvent(EventKind.WorldFormed);
