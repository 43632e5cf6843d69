namespace GanCluster.Core.Runs.Events;

/// <summary>A member of a formed world, as <see cref="WorldFormedEvent"/> lists it.</summary>
public sealed record RankedTrainer(int Rank, string Trainer);
