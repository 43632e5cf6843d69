using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective.Internal;

/// <summary>What a data-plane connection is for.</summary>
internal enum ChannelKind : byte
{
    Ring = 1,
    Transfer = 2,
}

/// <summary>
/// The connection handshake, a challenge-response over keys derived from the run token (docs/security.md): neither
/// the token nor anything derived from it that could be replayed travels. The connecting side sends a hello with a
/// fresh nonce; the listener answers with its own nonce (or a refusal); the connecting side proves it holds the
/// token with an HMAC over both messages; the listener answers once a local operation claims the connection (or
/// at once, to refuse it), proving in turn that it holds the token. Little-endian throughout.
/// <code>
/// hello     (64): 0 "GCDP" | 4 u16 version | 6 u8 channel | 7 u8 0 | 8 run id[16] | 24 i64 epoch | 32 i32 from rank
///                 | 36 i32 to rank | 40 i64 tag | 48 client nonce[16]
/// challenge (32): 0 "GCDC" | 4 u8 status (0: prove it, else RefusalReason) | 5..7 0 | 8 i64 listener's fenced epoch
///                 | 16 server nonce[16]
/// proof     (32): HMAC-SHA256(key, "client" | hello | challenge)
/// reply     (48): 0 "GCDA" | 4 u8 status (0 accepted, else RefusalReason) | 5..7 0 | 8 i64 listener's fenced epoch
///                 | 16 HMAC-SHA256(key, "server" | hello | challenge | reply[0..16]) (zeros in a refusal)
/// </code>
/// key = HKDF(token, "data-plane"); run id = HKDF(token, "run-id")[..16], which tells runs apart without revealing the key.
/// </summary>
internal static class Handshake
{
    public const ushort Version = 2;
    public const int HelloSize = 64;
    public const int ChallengeSize = 32;
    public const int ProofSize = 32;
    public const int ReplySize = 48;
    const int RunIdSize = 16, NonceSize = 16;
    static ReadOnlySpan<byte> HelloMagic => "GCDP"u8;
    static ReadOnlySpan<byte> ChallengeMagic => "GCDC"u8;
    static ReadOnlySpan<byte> ReplyMagic => "GCDA"u8;
    static ReadOnlySpan<byte> ClientLabel => "client"u8;
    static ReadOnlySpan<byte> ServerLabel => "server"u8;

    public readonly record struct Hello(ushort Version, ChannelKind Channel, long Epoch, int FromRank, int ToRank, long Tag);

    /// <summary>The data-plane secrets of one run token.</summary>
    public sealed class Keys(RunToken token)
    {
        public byte[] Mac { get; } = token.DeriveKey("data-plane");

        public byte[] RunId { get; } = token.DeriveKey("run-id")[..RunIdSize];
    }

    public static void WriteHello(Span<byte> b, Keys keys, ChannelKind channel, long epoch, int fromRank, int toRank, long tag)
    {
        b[..HelloSize].Clear();
        HelloMagic.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], Version);
        b[6] = (byte)channel;
        keys.RunId.CopyTo(b[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(b[24..], epoch);
        BinaryPrimitives.WriteInt32LittleEndian(b[32..], fromRank);
        BinaryPrimitives.WriteInt32LittleEndian(b[36..], toRank);
        BinaryPrimitives.WriteInt64LittleEndian(b[40..], tag);
        RandomNumberGenerator.Fill(b.Slice(48, NonceSize));
    }

    /// <summary>Checks magic, version, channel and run id; returns the refusal or None with the parsed hello.</summary>
    public static RefusalReason ReadHello(ReadOnlySpan<byte> b, Keys keys, out Hello hello)
    {
        hello = default;
        if (!b[..4].SequenceEqual(HelloMagic)) return RefusalReason.BadMagic;
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(b[4..]);
        if (version != Version) return RefusalReason.UnsupportedVersion;
        var channel = (ChannelKind)b[6];
        if (channel is not (ChannelKind.Ring or ChannelKind.Transfer)) return RefusalReason.BadMagic;
        // Not secret and not constant-time: it only tells another run's peer apart; the proof is what authenticates.
        if (!b.Slice(8, RunIdSize).SequenceEqual(keys.RunId)) return RefusalReason.BadToken;
        hello = new Hello(version, channel, BinaryPrimitives.ReadInt64LittleEndian(b[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[32..]), BinaryPrimitives.ReadInt32LittleEndian(b[36..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[40..]));
        return RefusalReason.None;
    }

    /// <summary>The listener's challenge: a fresh nonce, or a refusal (then the nonce is zeros).</summary>
    public static void WriteChallenge(Span<byte> b, RefusalReason status, long fencedEpoch)
    {
        b[..ChallengeSize].Clear();
        ChallengeMagic.CopyTo(b);
        b[4] = (byte)status;
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], fencedEpoch);
        if (status == RefusalReason.None) RandomNumberGenerator.Fill(b.Slice(16, NonceSize));
    }

    public static void ComputeProof(Keys keys, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challenge, Span<byte> proof) =>
        Mac(keys, ClientLabel, hello, challenge, default, proof);

    /// <summary>Constant-time check of the connecting side's proof.</summary>
    public static bool VerifyProof(Keys keys, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[ProofSize];
        ComputeProof(keys, hello, challenge, expected);
        return CryptographicOperations.FixedTimeEquals(expected, proof);
    }

    /// <summary>The final reply; an acceptance carries the listener's own proof over the whole exchange.</summary>
    public static void WriteReply(Span<byte> b, RefusalReason status, long fencedEpoch, Keys? keys = null,
        ReadOnlySpan<byte> hello = default, ReadOnlySpan<byte> challenge = default)
    {
        b[..ReplySize].Clear();
        ReplyMagic.CopyTo(b);
        b[4] = (byte)status;
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], fencedEpoch);
        if (status == RefusalReason.None && keys != null) Mac(keys, ServerLabel, hello, challenge, b[..16], b.Slice(16, 32));
    }

    static void Mac(Keys keys, ReadOnlySpan<byte> label, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> reply,
        Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Mac);
        hmac.AppendData(label);
        hmac.AppendData(hello);
        hmac.AppendData(challenge);
        hmac.AppendData(reply);
        hmac.GetHashAndReset(mac);
    }

    /// <summary>
    /// Connects to <paramref name="toRank"/>'s listener and completes the handshake: retries while the peer is
    /// not listening yet (or not yet in this world), waits for the peer to claim the connection, all within the
    /// connect timeout. Returns a configured, blocking socket; throws <see cref="CollectiveAbortedException"/>.
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

    /// <summary>A refusal that means "not yet": the peer has not entered this world; it will once it hears of it.</summary>
    sealed class NotYetException(string message) : IOException(message);

    static Socket Connect(WorldDescriptor world, int fromRank, int toRank, ChannelKind channel, long tag, RingOptions options,
        CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + options.ConnectTimeout;
        var target = world.EndPointOf(toRank);
        var keys = new Keys(world.Token);
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
                    WriteHello(hello, keys, channel, world.Epoch, fromRank, toRank, tag);
                    socket.Send(hello);
                    Span<byte> challenge = stackalloc byte[ChallengeSize];
                    ReceiveExactly(socket, challenge);
                    if (!challenge[..4].SequenceEqual(ChallengeMagic))
                        throw new CollectiveAbortedException(AbortReason.ProtocolMismatch, toRank, world.Epoch,
                            $"{world.Endpoints[toRank]} is not a data-plane listener of this protocol version");
                    ThrowIfRefused((RefusalReason)challenge[4], challenge, world, toRank);
                    Span<byte> proof = stackalloc byte[ProofSize];
                    ComputeProof(keys, hello, challenge, proof);
                    socket.Send(proof);
                    Span<byte> reply = stackalloc byte[ReplySize];
                    ReceiveExactly(socket, reply);
                    if (!reg.Unregister()) throw new ObjectDisposedException(nameof(Socket)); // the deadline fired just now
                    if (!reply[..4].SequenceEqual(ReplyMagic))
                        throw new CollectiveAbortedException(AbortReason.ProtocolMismatch, toRank, world.Epoch,
                            $"{world.Endpoints[toRank]} is not a data-plane listener");
                    ThrowIfRefused((RefusalReason)reply[4], reply, world, toRank);
                    Span<byte> expected = stackalloc byte[32];
                    Mac(keys, ServerLabel, hello, challenge, reply[..16], expected);
                    if (!CryptographicOperations.FixedTimeEquals(expected, reply.Slice(16, 32)))
                        throw new CollectiveAbortedException(AbortReason.Refused, toRank, world.Epoch,
                            $"{world.Endpoints[toRank]} accepted without proving it holds the run token", null, RefusalReason.BadToken);
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
                // Not listening yet (refused), a listener not yet in this world, or one that dropped us while we
                // waited: retry until the deadline.
                Thread.Sleep(Math.Min(backoffMs, Math.Max(1, (int)(deadline - DateTime.UtcNow).TotalMilliseconds)));
                backoffMs = Math.Min(backoffMs * 2, 500);
            }
        }
    }

    static void ThrowIfRefused(RefusalReason status, ReadOnlySpan<byte> message, WorldDescriptor world, int toRank)
    {
        if (status == RefusalReason.None) return;
        long theirs = BinaryPrimitives.ReadInt64LittleEndian(message[8..]);
        if (status == RefusalReason.FutureEpoch)
            throw new NotYetException($"rank {toRank} is at epoch {theirs}, not yet in world {world.Epoch}");
        throw new CollectiveAbortedException(AbortReason.Refused, toRank, world.Epoch,
            $"rank {toRank} refused the connection: {status} (its epoch {theirs}, ours {world.Epoch})", null, status);
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

    /// <summary>Reads exactly <paramref name="buffer"/>'s length without a thread of its own (the listener's side).</summary>
    public static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            if (n == 0) throw new IOException("connection closed during the handshake");
            buffer = buffer[n..];
        }
    }
}
