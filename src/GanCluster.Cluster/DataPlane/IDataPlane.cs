using GanCluster.Cluster.Protocol;
using GanCluster.Core.Parallel;

namespace GanCluster.Cluster.DataPlane;

/// <summary>
/// A trainer's end of the data plane: a listener bound before registration (its address goes to the
/// coordinator), and the means to join a world's collective.
/// </summary>
public interface IDataPlane : IDisposable
{
    string Host { get; }

    int Port { get; }

    /// <summary>Connects to the world's other ranks (blocking); the result carries the world's epoch.</summary>
    ICollective Join(WorldFormed world, int rank, CancellationToken cancel);

    /// <summary>Refuses connections and traffic from worlds older than <paramref name="epoch"/>.</summary>
    void Fence(long epoch);
}
