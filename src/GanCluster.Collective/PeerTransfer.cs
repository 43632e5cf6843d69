using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using GanCluster.Collective.Internal;
using GanCluster.Core.Diagnostics;

namespace GanCluster.Collective;

/// <summary>
/// Point-to-point bulk transfer between two ranks of a world, for streaming a replica's full state (weights,
/// optimizer, RNG) to a rejoining peer. Its own connection, with the same handshake as the ring (run token,
/// world epoch, ranks) plus a <c>tag</c> so several transfers can run at once.
/// <para>Wire, after the handshake: frames <c>[i32 length][bytes]</c> (length ≤ 1 MiB), an empty frame, then
/// <c>[i64 total bytes][SHA-256 of the payload]</c>; the receiver answers one status byte (0 = verified). A send
/// completes only once the receiver has verified the bytes. Both sides give up with
/// <see cref="CollectiveAbortedException"/> when no byte moves for <see cref="RingOptions.TransferStallTimeout"/>,
/// when the peer disappears, or on cancellation.</para>
/// <para>Each side is a <see cref="GanActivities.StateTransfer"/> span (epoch, ranks, direction; bytes once done).</para>
/// </summary>
public static class PeerTransfer
{
    public const int FrameBytes = 1024 * 1024;

    /// <summary>Streams <paramref name="source"/> (to its end) from <paramref name="fromRank"/> (this process) to
    /// <paramref name="toRank"/>, which must call <see cref="ReceiveAsync"/> with the same tag.</summary>
    public static async Task SendAsync(WorldDescriptor world, int fromRank, int toRank, Stream source, long tag = 0,
        RingOptions? options = null, DataPlaneStats? stats = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= RingOptions.Default;
        options.Validate();
        CheckRanks(world, fromRank, toRank);
        using var span = StartSpan(world, fromRank, toRank, "send");
        var socket = await Handshake.ConnectAsync(world, fromRank, toRank, ChannelKind.Transfer, tag, options, cancel).ConfigureAwait(false);
        await Task.Factory.StartNew(() => Guarded(socket, world, toRank, options, cancel, () =>
        {
            long total = SendFrames(socket, source);
            stats?.TransferSent(total);
            span?.SetTag("gancluster.bytes", total);
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Sends a byte buffer; see the stream overload.</summary>
    public static Task SendAsync(WorldDescriptor world, int fromRank, int toRank, ReadOnlyMemory<byte> data, long tag = 0,
        RingOptions? options = null, DataPlaneStats? stats = null, CancellationToken cancel = default) =>
        SendAsync(world, fromRank, toRank, new ReadOnlyMemoryStream(data), tag, options, stats, cancel);

    /// <summary>Receives, on this process's <paramref name="listener"/> as <paramref name="toRank"/>, the transfer that
    /// <paramref name="fromRank"/> sends with the same tag, writing it to <paramref name="destination"/>. Returns the
    /// byte count after the SHA-256 check passed.</summary>
    public static async Task<long> ReceiveAsync(WorldDescriptor world, int toRank, int fromRank, DataPlaneListener listener,
        Stream destination, long tag = 0, RingOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= RingOptions.Default;
        options.Validate();
        CheckRanks(world, fromRank, toRank);
        if (!listener.Token.Equals(world.Token)) throw new ArgumentException("the listener was started with another run token", nameof(listener));
        listener.Fence(world.Epoch);
        using var span = StartSpan(world, fromRank, toRank, "receive");
        var socket = await listener.ClaimAsync(ChannelKind.Transfer, world.Epoch, fromRank, toRank, tag, options.ConnectTimeout, cancel)
            .ConfigureAwait(false);
        long total = 0;
        await Task.Factory.StartNew(() => Guarded(socket, world, fromRank, options, cancel, () =>
        {
            total = ReceiveFrames(socket, destination, world, fromRank);
            listener.Stats.TransferReceived(total);
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        span?.SetTag("gancluster.bytes", total);
        return total;
    }

    /// <summary>Receives into a new byte array; see the stream overload.</summary>
    public static async Task<byte[]> ReceiveBytesAsync(WorldDescriptor world, int toRank, int fromRank, DataPlaneListener listener,
        long tag = 0, RingOptions? options = null, CancellationToken cancel = default)
    {
        using var buffer = new MemoryStream();
        await ReceiveAsync(world, toRank, fromRank, listener, buffer, tag, options, cancel).ConfigureAwait(false);
        return buffer.ToArray();
    }

    static System.Diagnostics.Activity? StartSpan(WorldDescriptor world, int fromRank, int toRank, string direction) =>
        GanActivities.Source.StartActivity(GanActivities.StateTransfer)?
            .SetTag("gancluster.epoch", world.Epoch).SetTag("gancluster.from_rank", fromRank).SetTag("gancluster.to_rank", toRank)
            .SetTag("gancluster.direction", direction);

    static void CheckRanks(WorldDescriptor world, int fromRank, int toRank)
    {
        ArgumentNullException.ThrowIfNull(world);
        if ((uint)fromRank >= (uint)world.Size) throw new ArgumentOutOfRangeException(nameof(fromRank));
        if ((uint)toRank >= (uint)world.Size) throw new ArgumentOutOfRangeException(nameof(toRank));
        if (fromRank == toRank) throw new ArgumentException("a transfer needs two different ranks");
    }

    static void Guarded(Socket socket, WorldDescriptor world, int peer, RingOptions options, CancellationToken cancel, Action body)
    {
        int stallMs = (int)Math.Min(int.MaxValue, options.TransferStallTimeout.TotalMilliseconds);
        socket.SendTimeout = stallMs;
        socket.ReceiveTimeout = stallMs;
        using var reg = cancel.Register(() => Kill(socket));
        try
        {
            body();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut && !cancel.IsCancellationRequested)
        {
            throw new CollectiveAbortedException(AbortReason.Timeout, peer, world.Epoch,
                $"transfer with rank {peer} made no progress for {options.TransferStallTimeout}", e);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (cancel.IsCancellationRequested)
                throw new CollectiveAbortedException(AbortReason.Cancelled, peer, world.Epoch, "transfer cancelled", e);
            throw new CollectiveAbortedException(AbortReason.PeerLost, peer, world.Epoch, $"transfer with rank {peer} failed: {e.Message}", e);
        }
        finally
        {
            Kill(socket);
        }
    }

    static void Kill(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        socket.Dispose();
    }

    static long SendFrames(Socket socket, Stream source)
    {
        byte[] frame = ArrayPool<byte>.Shared.Rent(FrameBytes + 4);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                int n = source.ReadAtLeast(frame.AsSpan(4, FrameBytes), FrameBytes, throwOnEndOfStream: false);
                BinaryPrimitives.WriteInt32LittleEndian(frame, n);
                SendAll(socket, frame.AsSpan(0, 4 + n));
                if (n == 0) break;
                sha.AppendData(frame, 4, n);
                total += n;
            }
            Span<byte> trailer = stackalloc byte[8 + 32];
            BinaryPrimitives.WriteInt64LittleEndian(trailer, total);
            sha.GetHashAndReset(trailer[8..]);
            SendAll(socket, trailer);
            Span<byte> status = stackalloc byte[1];
            Handshake.ReceiveExactly(socket, status);
            if (status[0] != 0)
                throw new CollectiveAbortedException(AbortReason.Corrupted, null, -1, "the receiver rejected the transfer (length or checksum)");
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    static long ReceiveFrames(Socket socket, Stream destination, WorldDescriptor world, int peer)
    {
        byte[] frame = ArrayPool<byte>.Shared.Rent(FrameBytes);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            Span<byte> length = stackalloc byte[4];
            while (true)
            {
                Handshake.ReceiveExactly(socket, length);
                int n = BinaryPrimitives.ReadInt32LittleEndian(length);
                if (n is < 0 or > FrameBytes)
                    throw new CollectiveAbortedException(AbortReason.ProtocolMismatch, peer, world.Epoch, $"bad transfer frame length {n}");
                if (n == 0) break;
                Handshake.ReceiveExactly(socket, frame.AsSpan(0, n));
                sha.AppendData(frame, 0, n);
                destination.Write(frame, 0, n);
                total += n;
            }
            Span<byte> trailer = stackalloc byte[8 + 32];
            Handshake.ReceiveExactly(socket, trailer);
            Span<byte> digest = stackalloc byte[32];
            sha.GetHashAndReset(digest);
            bool ok = BinaryPrimitives.ReadInt64LittleEndian(trailer) == total && digest.SequenceEqual(trailer[8..]);
            SendAll(socket, [(byte)(ok ? 0 : 1)]);
            if (!ok)
                throw new CollectiveAbortedException(AbortReason.Corrupted, peer, world.Epoch, "transfer length or SHA-256 mismatch");
            destination.Flush();
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty) data = data[socket.Send(data, SocketFlags.None)..];
    }

    /// <summary>A read-only stream over a ReadOnlyMemory (no copy).</summary>
    sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, data.Length - _position);
            data.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
