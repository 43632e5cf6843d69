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

    public void Dispose() { }
}
