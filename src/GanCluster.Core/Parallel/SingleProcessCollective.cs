namespace GanCluster.Core.Parallel;

/// <summary>World size 1: nothing to exchange, no network touched.</summary>
public sealed class SingleProcessCollective : ICollective
{
    public static readonly SingleProcessCollective Instance = new();

    public int Rank => 0;

    public int WorldSize => 1;

    public void AllReduceSum(Memory<float> data, CancellationToken cancel = default) { }

    public void Broadcast(Memory<byte> data, int root, CancellationToken cancel = default) { }

    public void Dispose() { }

    public override string ToString() => "no peers (a world of one)";
}
