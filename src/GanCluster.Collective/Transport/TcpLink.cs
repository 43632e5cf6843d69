using System.Buffers.Binary;
using System.Net.Sockets;

namespace GanCluster.Collective.Transport;

/// <summary>
/// <see cref="IDataLink"/> over a connected, blocking TCP socket. Blocking calls on dedicated threads are the
/// cheapest path on Linux (one syscall per chunk, no epoll round trip); <see cref="Abort"/> shuts the socket down,
/// which wakes a blocked send or receive.
/// </summary>
public sealed class TcpLink : IDataLink
{
    readonly Socket _socket;
    long _sent, _received;
    int _aborted;

    /// <param name="peerTimeout">how long the peer's host may leave this side's traffic unacknowledged before the link
    /// counts as cut off (<see cref="RingOptions.LinkTimeout"/>); null: the kernel's defaults (minutes)</param>
    public TcpLink(Socket socket, int peerRank, TimeSpan? peerTimeout = null)
    {
        _socket = socket;
        // Both sides send on every link (the mirrored lane runs the other way), and the accepted side's socket does not
        // come through Configure: with Nagle on, a small send waits for the peer's delayed ACK (40 ms on Linux).
        socket.NoDelay = true;
        PeerRank = peerRank;
        if (peerTimeout is { } timeout) EnableKeepAlive(socket, timeout);
    }

    public int PeerRank { get; }

    /// <summary>Whether Nagle's algorithm is off on this link's socket (for tests).</summary>
    internal bool NoDelay => _socket.NoDelay;

    public long BytesSent => Interlocked.Read(ref _sent);

    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>The socket settings every data-plane connection gets.</summary>
    public static void Configure(Socket socket, int bufferBytes)
    {
        socket.NoDelay = true;
        if (bufferBytes > 0)
        {
            socket.SendBufferSize = bufferBytes;
            socket.ReceiveBufferSize = bufferBytes;
        }
    }

    /// <summary>
    /// Keepalive probes on an idle connection: a peer host that stops answering (cut off, powered down) resets the link
    /// within <paramref name="timeout"/>, while a peer process that is merely busy or paused still answers (its kernel
    /// does). Idle half the timeout, then one probe a second.
    /// </summary>
    static void EnableKeepAlive(Socket socket, TimeSpan timeout)
    {
        int half = Math.Max(1, (int)(timeout.TotalSeconds / 2));
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, half);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, half);
    }

    // Linux struct tcp_info (linux/tcp.h, a stable ABI): byte 3 tcpi_probes, u32 at 24 tcpi_unacked, u32 at 56
    // tcpi_last_ack_recv (milliseconds since the peer last acknowledged anything).
    const int IpProtoTcp = 6, TcpInfo = 11, TcpInfoSize = 104;

    /// <summary>
    /// True when this side has data in flight (or is probing a zero window) and the peer's kernel has acknowledged
    /// nothing for longer than <paramref name="limit"/>: the peer's host is cut off or gone. A slow or paused peer
    /// process is not unresponsive here: its kernel still acknowledges (a zero window is probed and answered), so a
    /// straggler never trips this, only the network does. Keepalive covers the idle case. Linux only; false elsewhere.
    /// </summary>
    public bool PeerUnresponsive(TimeSpan limit)
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _aborted) != 0) return false;
        Span<byte> info = stackalloc byte[TcpInfoSize];
        int length;
        try { length = _socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
        if (length < 60) return false;
        byte probes = info[3];
        uint unacked = BinaryPrimitives.ReadUInt32LittleEndian(info[24..]);
        uint lastAckReceived = BinaryPrimitives.ReadUInt32LittleEndian(info[56..]);
        return (unacked > 0 || probes > 0) && lastAckReceived > limit.TotalMilliseconds;
    }

    public void Send(ReadOnlySpan<byte> data)
    {
        int total = data.Length;
        try
        {
            while (!data.IsEmpty)
            {
                int n = _socket.Send(data, SocketFlags.None);
                data = data[n..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Failed("send failed", e);
        }
        Interlocked.Add(ref _sent, total);
    }

    public void Receive(Span<byte> buffer)
    {
        int total = buffer.Length;
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = _socket.Receive(buffer, SocketFlags.None);
                if (n == 0) throw Failed("connection closed by peer", null);
                buffer = buffer[n..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Failed("receive failed", e);
        }
        Interlocked.Add(ref _received, total);
    }

    LinkFailedException Failed(string what, Exception? inner) =>
        new(PeerRank, Volatile.Read(ref _aborted) != 0
            ? $"link to rank {PeerRank} aborted locally"
            : $"link to rank {PeerRank}: {what}{(inner is SocketException se ? $" ({se.SocketErrorCode})" : "")}", inner);

    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
    }

    public void Dispose() => Abort();
}
