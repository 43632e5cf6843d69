namespace GanCluster.Core.Parallel;

/// <summary>
/// The data plane as the training step sees it: collective operations over the ranks of one world.
/// Implementations must be deterministic: every rank ends with the same bits (docs/architecture.md, invariant 1).
/// </summary>
public interface ICollective : IDisposable
{
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>Element-wise sum across ranks, in place. Blocks until every rank has contributed.</summary>
    void AllReduceSum(Memory<float> data, CancellationToken cancel = default);

    /// <summary>Replaces <paramref name="data"/> on every rank with rank <paramref name="root"/>'s bytes.</summary>
    void Broadcast(Memory<byte> data, int root, CancellationToken cancel = default);
}
