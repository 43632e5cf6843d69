using GanCluster.Core.Parallel;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// A world of two ranks whose other rank is an exact mirror of this one: every all-reduce doubles the data
/// (x + x, exact in floating point) and broadcasts change nothing. A training step over it must end bit-identical
/// to a single-process step. It can be told to fail on its Nth collective, like a peer dying mid-step.
/// </summary>
public sealed class MirrorCollective(int failOnCall = int.MaxValue) : ICollective
{
    int _calls;

    public int Rank => 0;

    public int WorldSize => 2;

    public int Calls => _calls;

    public void AllReduceSum(Memory<float> data, CancellationToken cancel = default)
    {
        if (++_calls == failOnCall) throw new IOException("peer 1 closed the connection");
        var span = data.Span;
        for (int i = 0; i < span.Length; i++) span[i] += span[i];
    }

    public void Broadcast(Memory<byte> data, int root, CancellationToken cancel = default)
    {
        if (++_calls == failOnCall) throw new IOException("peer 1 closed the connection");
    }

    public void Dispose() { }
}
