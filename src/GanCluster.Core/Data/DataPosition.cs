namespace GanCluster.Core.Data;

/// <summary>
/// Where the data stream stands: the epoch, and how many entries of that epoch's permutation all ranks
/// together have consumed. Counting global entries (not per-rank batches) keeps the position meaningful
/// when the world grows or shrinks.
/// </summary>
public readonly record struct DataPosition(long Epoch, long Offset);
