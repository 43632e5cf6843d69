namespace GanCluster.Collective.Transport;

/// <summary>
/// The transport seam: a reliable, ordered, full-duplex byte pipe to one peer rank. One thread may send while
/// another receives. TCP implements it today (<see cref="TcpLink"/>); a same-host shared-memory ring or a GPU
/// transport can implement it later without touching the ring schedule.
/// </summary>
public interface IDataLink : IDisposable
{
    int PeerRank { get; }

    /// <summary>Writes all of <paramref name="data"/>; throws <see cref="LinkFailedException"/> when the peer is gone.</summary>
    void Send(ReadOnlySpan<byte> data);

    /// <summary>Fills all of <paramref name="buffer"/>; throws <see cref="LinkFailedException"/> on end of stream or reset.</summary>
    void Receive(Span<byte> buffer);

    /// <summary>Unblocks any thread inside Send/Receive (they throw) and tells the peer we are gone. Idempotent.</summary>
    void Abort();

    /// <summary>
    /// True when the link is cut off at the network level: the peer's host has acknowledged nothing of what this side
    /// sent for longer than <paramref name="limit"/> (a busy or paused peer process does not count). False when the
    /// transport cannot tell (shared memory: the peer is on this host).
    /// </summary>
    bool PeerUnresponsive(TimeSpan limit) => false;

    long BytesSent { get; }

    long BytesReceived { get; }
}
