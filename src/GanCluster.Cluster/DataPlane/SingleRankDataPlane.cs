using GanCluster.Cluster.Protocol;
using GanCluster.Core.Parallel;

namespace GanCluster.Cluster.DataPlane;

/// <summary>A data plane for worlds of one rank: nothing to connect to.</summary>
public sealed class SingleRankDataPlane : IDataPlane
{
    public string Host => "127.0.0.1";

    public int Port => 0;

    public ICollective Join(WorldFormed world, int rank, CancellationToken cancel) =>
        world.Members.Count == 1 ? SingleProcessCollective.Instance
            : throw new NotSupportedException("this build has no network data plane");

    public void Fence(long epoch) { }

    public bool IsWorldFailure(Exception error) => error is OperationCanceledException;

    public int? SuspectRank(Exception error) => null;

    public void SendState(WorldFormed world, int fromRank, int toRank, byte[] state, CancellationToken cancel) =>
        throw new NotSupportedException("a world of one rank has no peer to send state to");

    public byte[] ReceiveState(WorldFormed world, int myRank, int fromRank, CancellationToken cancel) =>
        throw new NotSupportedException("a world of one rank has no peer to receive state from");

    public void Dispose() { }
}
