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

    /// <summary>True when <paramref name="error"/> means the world broke (a peer failed, the world was aborted), not this trainer.</summary>
    bool IsWorldFailure(Exception error);

    /// <summary>The rank a data-plane error blames (the peer whose link failed), when it names one.</summary>
    int? SuspectRank(Exception error);

    /// <summary>Streams a replica's state to <paramref name="toRank"/> of <paramref name="world"/>.</summary>
    void SendState(WorldFormed world, int fromRank, int toRank, byte[] state, CancellationToken cancel);

    /// <summary>Receives a replica's state from <paramref name="fromRank"/> of <paramref name="world"/>.</summary>
    byte[] ReceiveState(WorldFormed world, int myRank, int fromRank, CancellationToken cancel);
}
