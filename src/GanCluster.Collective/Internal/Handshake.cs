using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective.Internal;

/// <summary>What a data-plane connection is for.</summary>
internal enum ChannelKind : byte
{
    Ring = 1,
    Transfer = 2,
}

/// <summary>
/// The connection handshake. The connecting side sends a 64-byte hello; the listener answers with a 16-byte reply
/// once a local operation claims the connection (or at once, to refuse it). Little-endian throughout.
/// <code>
/// hello: 0 "GCDP" | 4 u16 version | 6 u8 channel | 7 u8 0 | 8 token[32] | 40 i64 epoch | 48 i32 from rank
///        | 52 i32 to rank | 56 i64 tag
/// reply: 0 "GCDA" | 4 u8 status (0 accepted, else RefusalReason) | 5..7 0 | 8 i64 listener's fenced epoch
/// </code>
/// </summary>
internal static class Handshake
{
    public const ushort Version = 1;
    public const int HelloSize = 64;
    public const int ReplySize = 16;
    static ReadOnlySpan<byte> HelloMagic => "GCDP"u8;
    static ReadOnlySpan<byte> ReplyMagic => "GCDA"u8;

    public readonly record struct Hello(ushort Version, ChannelKind Channel, long Epoch, int FromRank, int ToRank, long Tag);

    public static void WriteHello(Span<byte> b, RunToken token, ChannelKind channel, long epoch, int fromRank, int toRank, long tag)
    {
        b[..HelloSize].Clear();
        HelloMagic.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], Version);
        b[6] = (byte)channel;
        token.Bytes.CopyTo(b[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(b[40..], epoch);
        BinaryPrimitives.WriteInt32LittleEndian(b[48..], fromRank);
        BinaryPrimitives.WriteInt32LittleEndian(b[52..], toRank);
        BinaryPrimitives.WriteInt64LittleEndian(b[56..], tag);
    }

    /// <summary>Checks magic, version and token (constant time); returns the refusal or None with the parsed hello.</summary>
    public static RefusalReason ReadHello(ReadOnlySpan<byte> b, RunToken token, out Hello hello)
    {
        hello = default;
        if (!b[..4].SequenceEqual(HelloMagic)) return RefusalReason.BadMagic;
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(b[4..]);
        if (version != Version) return RefusalReason.UnsupportedVersion;
        if (!token.Matches(b.Slice(8, RunToken.Size))) return RefusalReason.BadToken;
        var channel = (ChannelKind)b[6];
        if (channel is not (ChannelKind.Ring or ChannelKind.Transfer)) return RefusalReason.BadMagic;
        hello = new Hello(version, channel, BinaryPrimitives.ReadInt64LittleEndian(b[40..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[48..]), BinaryPrimitives.ReadInt32LittleEndian(b[52..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[56..]));
        return RefusalReason.None;
    }

    public static void WriteReply(Span<byte> b, RefusalReason status, long fencedEpoch)
    {
        b[..ReplySize].Clear();
        ReplyMagic.CopyTo(b);
        b[4] = (byte)status;
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], fencedEpoch);
    }

    /// <summary>
    /// Connects to <paramref name="toRank"/>'s listener and completes the handshake: retries while the peer is
    /// not listening yet, waits for the peer to claim the connection, all within the connect timeout.
    /// Returns a configured, blocking socket; throws <see cref="CollectiveAbortedException"/>.
    /// </summary>
    public static async Task<Socket> ConnectAsync(WorldDescriptor world, int fromRank, int toRank, ChannelKind channel, long tag,
        RingOptions options, CancellationToken cancel)
    {
        try
        {
            return await Task.Factory.StartNew(() => Connect(world, fromRank, toRank, channel, tag, options, cancel),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw new CollectiveAbortedException(AbortReason.Cancelled, toRank, world.Epoch, $"connecting to rank {toRank} was cancelled", e);
        }
    }

    static Socket Connect(WorldDescriptor world, int fromRank, int toRank, ChannelKind channel, long tag, RingOptions options,
        CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + options.ConnectTimeout;
        var target = world.EndPointOf(toRank);
        int backoffMs = 20;
        Exception? last = null;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                throw new CollectiveAbortedException(AbortReason.ConnectFailed, toRank, world.Epoch,
                    $"could not reach rank {toRank} at {world.Endpoints[toRank]} within {options.ConnectTimeout}", last);
            Socket? socket = null;
            try
            {
                var address = Resolve(target);
                socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                var s = socket;
                using (var guard = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                {
                    guard.CancelAfter(remaining);
                    using var reg = guard.Token.Register(() => s.Dispose());
                    socket.Connect(new IPEndPoint(address, Port(target)));
                    TcpLink.Configure(socket, options.SocketBufferBytes);
                    Span<byte> hello = stackalloc byte[HelloSize];
                    WriteHello(hello, world.Token, channel, world.Epoch, fromRank, toRank, tag);
                    socket.Send(hello);
                    Span<byte> reply = stackalloc byte[ReplySize];
                    ReceiveExactly(socket, reply);
                    if (!reg.Unregister()) throw new ObjectDisposedException(nameof(Socket)); // the deadline fired just now
                    if (!reply[..4].SequenceEqual(ReplyMagic))
                        throw new CollectiveAbortedException(AbortReason.ProtocolMismatch, toRank, world.Epoch,
                            $"{world.Endpoints[toRank]} is not a data-plane listener");
                    var status = (RefusalReason)reply[4];
                    if (status != RefusalReason.None)
                    {
                        long theirs = BinaryPrimitives.ReadInt64LittleEndian(reply[8..]);
                        throw new CollectiveAbortedException(AbortReason.Refused, toRank, world.Epoch,
                            $"rank {toRank} refused the connection: {status} (its epoch {theirs}, ours {world.Epoch})", null, status);
                    }
                }
                return socket;
            }
            catch (CollectiveAbortedException)
            {
                socket?.Dispose();
                throw;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                socket?.Dispose();
                cancel.ThrowIfCancellationRequested();
                last = e;
                // Not listening yet (refused), or a listener that dropped us while we waited: retry until the deadline.
                Thread.Sleep(Math.Min(backoffMs, Math.Max(1, (int)(deadline - DateTime.UtcNow).TotalMilliseconds)));
                backoffMs = Math.Min(backoffMs * 2, 500);
            }
        }
    }

    static IPAddress Resolve(EndPoint ep) => ep switch
    {
        IPEndPoint ip => ip.Address,
        DnsEndPoint dns => Dns.GetHostAddresses(dns.Host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(),
        _ => throw new ArgumentException($"unsupported endpoint {ep}"),
    };

    static int Port(EndPoint ep) => ep switch
    {
        IPEndPoint ip => ip.Port,
        DnsEndPoint dns => dns.Port,
        _ => throw new ArgumentException($"unsupported endpoint {ep}"),
    };

    public static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Receive(buffer, SocketFlags.None);
            if (n == 0) throw new IOException("connection closed during the handshake");
            buffer = buffer[n..];
        }
    }
}
