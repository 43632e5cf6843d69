namespace GanCluster.Training.Distributed;

/// <summary>Replicas stopped being bit-identical (docs/architecture.md, invariant 1): the run must stop.</summary>
/// <param name="referenceHash">rank 0's hash, or before a world's first step the start hash the coordinator announced</param>
public sealed class ReplicaMismatchException(long step, string localHash, string referenceHash)
    : Exception($"replica hashes differ at step {step}: this rank {localHash[..12]}, the world's {referenceHash[..12]}")
{
    public long Step { get; } = step;
}
