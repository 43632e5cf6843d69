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

    public TcpLink(Socket socket, int peerRank)
    {
        _socket = socket;
        PeerRank = peerRank;
    }

    public int PeerRank { get; }

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
