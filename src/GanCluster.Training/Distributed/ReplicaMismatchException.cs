namespace GanCluster.Training.Distributed;

/// <summary>Replicas stopped being bit-identical (docs/architecture.md, invariant 1): the run must stop.</summary>
public sealed class ReplicaMismatchException(long step, string localHash, string rank0Hash)
    : Exception($"replica hashes differ at step {step}: this rank {localHash[..12]}, rank 0 {rank0Hash[..12]}")
{
    public long Step { get; } = step;
}
