namespace GanCluster.Core.Checkpoints;

/// <summary>One file of a checkpoint as listed in its manifest.</summary>
public sealed record CheckpointFile(string Name, long Bytes, string Sha256);
