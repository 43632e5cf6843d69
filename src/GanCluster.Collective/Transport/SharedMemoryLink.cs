using System.IO.MemoryMappedFiles;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GanCluster.Collective.Internal;

namespace GanCluster.Collective.Transport;

/// <summary>
/// <see cref="IDataLink"/> between two processes on one host: two single-producer single-consumer byte rings (one
/// per direction) in a shared memory file (unlinked once both sides mapped it), with futex wake-ups. No syscalls on
/// the data path while data flows and no kernel copies: Send copies into the ring, Receive copies out, and
/// <see cref="ReceiveAdd"/> reduces straight from the ring.
/// <para>The TCP connection the link was negotiated on stays open as the liveness channel: a watchdog thread blocks
/// on it, so a peer that dies (its socket closes) or aborts (shuts it down) fails this link at once, exactly as a
/// TCP link would.</para>
/// <para>The peer can write anything into the shared pages, so nothing read from them is trusted: the header's
/// capacity is bounds-checked before mapping, each side keeps its own counter (the head it writes, the tail it reads)
/// in private memory, and the peer's counter must stay within one capacity of it and never move back. A peer that
/// breaks this fails the link (<see cref="LinkFailedException"/>), a clean abort, never an access outside the ring.</para>
/// <code>
/// file: 0 "GCSM" | 4 i32 version | 8 i64 capacity | 16 nonce[16]
///       4096 + 256·d: direction d control (d = 0: creator → acceptor, 1: acceptor → creator)
///         +0 i64 head (bytes written) | +8 i32 data seq | +12 i32 consumer waiting
///         +64 i64 tail (bytes read)   | +72 i32 space seq | +76 i32 producer waiting | +128 i32 closed
///       8192 + d·capacity: direction d data
/// </code>
/// </summary>
public sealed unsafe class SharedMemoryLink : IDataLink
{
    const int ControlOffset = 4096, ControlSize = 256, DataOffset = 8192, WaitSliceMs = 50;

    /// <summary>The largest ring a peer may offer (RingOptions.SharedMemoryBytes allows up to 1 GiB).</summary>
    public const long MaxCapacity = 1L << 30;
    static ReadOnlySpan<byte> Magic => "GCSM"u8;

    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _base;
    readonly long _capacity;
    readonly byte* _sendControl, _recvControl, _sendData, _recvData;
    readonly Socket _liveness;
    readonly Thread _watchdog;
    long _sent, _received;
    long _head; // bytes this side has written to its send ring (private: the shared copy is for the peer)
    long _tail; // bytes this side has read from its receive ring
    long _peerTail, _peerHead; // the peer's counters as last seen: they never move back
    int _failed; // 1 aborted locally, 2 peer gone
    int _aborted;

    SharedMemoryLink(MemoryMappedFile file, long capacity, bool creator, Socket liveness, int peerRank)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, DataOffset + 2 * capacity, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        _capacity = capacity;
        int sendDir = creator ? 0 : 1, recvDir = 1 - sendDir;
        _sendControl = _base + ControlOffset + sendDir * ControlSize;
        _recvControl = _base + ControlOffset + recvDir * ControlSize;
        _sendData = _base + DataOffset + sendDir * capacity;
        _recvData = _base + DataOffset + recvDir * capacity;
        _liveness = liveness;
        _liveness.ReceiveTimeout = 0; // the negotiation's bound must not outlive it: the watchdog waits indefinitely
        PeerRank = peerRank;
        _watchdog = new Thread(Watch) { IsBackground = true, Name = $"shm-watch-{peerRank}" };
        _watchdog.Start();
    }

    public int PeerRank { get; }

    public long BytesSent => Interlocked.Read(ref _sent);

    public long BytesReceived => Interlocked.Read(ref _received);

    public static bool Supported => Futex.Supported && Directory.Exists("/dev/shm");

    // ---- negotiation (over the freshly handshaken TCP connection) ----

    /// <summary>
    /// Connecting side: offers a shared-memory file (or nothing) and returns the link the peer accepted, else null
    /// (the caller keeps TCP). Offer: [u8 1][u16 path length][path][16-byte nonce]; no offer: [u8 0]. Reply: [u8 1|0].
    /// </summary>
    internal static SharedMemoryLink? Offer(Socket socket, int peerRank, bool enabled, long capacity)
    {
        if (!enabled || !Supported)
        {
            socket.Send([0]);
            return null;
        }
        var path = Path.Combine("/dev/shm", $"gancluster-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        MemoryMappedFile? file = null;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(path, options);
            try
            {
                // Write every page now: a full tmpfs (containers default to a 64 MB /dev/shm) fails here with an
                // IOException and we fall back to TCP, instead of a SIGBUS at the first write through the mapping.
                var zeros = new byte[1 << 20];
                for (long left = DataOffset + 2 * capacity; left > 0; left -= zeros.Length)
                    stream.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
                stream.Flush();
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            file = MemoryMappedFile.CreateFromFile(stream, null, DataOffset + 2 * capacity, MemoryMappedFileAccess.ReadWrite,
                HandleInheritability.None, leaveOpen: false);
            using (var header = file.CreateViewAccessor(0, 32))
            {
                header.WriteArray(0, Magic.ToArray(), 0, 4);
                header.Write(4, 1);
                header.Write(8, capacity);
                header.WriteArray(16, nonce, 0, 16);
            }
            var name = System.Text.Encoding.UTF8.GetBytes(path);
            var offer = new byte[3 + name.Length + 16];
            offer[0] = 1;
            offer[1] = (byte)name.Length;
            offer[2] = (byte)(name.Length >> 8);
            name.CopyTo(offer, 3);
            nonce.CopyTo(offer, 3 + name.Length);
            socket.Send(offer);
            var reply = new byte[1];
            Handshake.ReceiveExactly(socket, reply);
            if (reply[0] != 1)
            {
                file.Dispose();
                return null;
            }
            return new SharedMemoryLink(file, capacity, creator: true, socket, peerRank);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            if (e is IOException && file is not null) throw; // the socket failed mid-negotiation
            socket.Send([0]);
            return null;
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { } // mapped on both sides (or not at all): unlink now
        }
    }

    /// <summary>Accepting side: reads the offer and maps the file when it exists here with the same nonce (same
    /// host, same user); otherwise declines. Returns null for TCP.</summary>
    internal static SharedMemoryLink? Answer(Socket socket, int peerRank, bool enabled)
    {
        var kind = new byte[1];
        Handshake.ReceiveExactly(socket, kind);
        if (kind[0] == 0) return null;
        var len = new byte[2];
        Handshake.ReceiveExactly(socket, len);
        var rest = new byte[len[0] | (len[1] << 8)];
        Handshake.ReceiveExactly(socket, rest);
        var nonce = new byte[16];
        Handshake.ReceiveExactly(socket, nonce);
        var path = System.Text.Encoding.UTF8.GetString(rest);
        MemoryMappedFile? file = null;
        if (enabled && Supported && path.StartsWith("/dev/shm/gancluster-") && !path.Contains(".."))
        {
            try
            {
                var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                long size = stream.Length;
                file = MemoryMappedFile.CreateFromFile(stream, null, size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, false);
                using var header = file.CreateViewAccessor(0, 32);
                var magic = new byte[4];
                var theirs = new byte[16];
                header.ReadArray(0, magic, 0, 4);
                header.ReadArray(16, theirs, 0, 16);
                long capacity = header.ReadInt64(8);
                // Bounds first: 2 x capacity must neither overflow nor reach past the file.
                if (!magic.AsSpan().SequenceEqual(Magic) || header.ReadInt32(4) != 1 || !theirs.AsSpan().SequenceEqual(nonce)
                    || capacity is <= 0 or > MaxCapacity || capacity % 4096 != 0 || size < DataOffset + 2 * capacity)
                    throw new IOException("not our shared memory file");
                var link = new SharedMemoryLink(file, capacity, creator: false, socket, peerRank);
                socket.Send([1]);
                return link;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                file?.Dispose(); // not a ring we can trust: TCP it is
            }
        }
        socket.Send([0]);
        return null;
    }

    // ---- data path ----

    ref long Head(byte* control) => ref Unsafe.AsRef<long>(control);
    ref long Tail(byte* control) => ref Unsafe.AsRef<long>(control + 64);
    static int* DataSeq(byte* control) => (int*)(control + 8);
    static int* ConsumerWaiting(byte* control) => (int*)(control + 12);
    static int* SpaceSeq(byte* control) => (int*)(control + 72);
    static int* ProducerWaiting(byte* control) => (int*)(control + 76);
    static int* Closed(byte* control) => (int*)(control + 128);

    /// <summary>
    /// Throws once the link cannot make progress: at once after a local abort; after the peer left (closed flag or
    /// liveness EOF) only when <paramref name="hasData"/> says nothing is left to read, because bytes the peer wrote
    /// before leaving are still delivered (as TCP delivers data sent before a FIN).
    /// </summary>
    void ThrowIfFailed(string what, Func<bool>? hasData = null)
    {
        int failed = Volatile.Read(ref _failed);
        if (failed == 1)
            throw new LinkFailedException(PeerRank, $"link to rank {PeerRank} aborted locally");
        if (failed == 2 || Volatile.Read(ref *Closed(_recvControl)) != 0)
        {
            if (hasData?.Invoke() == true) return;
            throw new LinkFailedException(PeerRank, $"link to rank {PeerRank}: {what} failed, the peer is gone");
        }
    }

    /// <summary>Blocks until <paramref name="ready"/> holds: a short spin, then futex sleeps in bounded slices.</summary>
    void Await(Func<bool> ready, int* seq, int* waiting, string what, bool drain)
    {
        for (int i = 0; i < 64; i++)
        {
            if (ready()) return;
            Thread.SpinWait(20);
        }
        while (true)
        {
            int s = Volatile.Read(ref *seq);
            Interlocked.Exchange(ref *waiting, 1);
            if (ready())
            {
                Volatile.Write(ref *waiting, 0);
                return;
            }
            ThrowIfFailed(what, drain ? ready : null);
            if (drain && ready())
            {
                Volatile.Write(ref *waiting, 0);
                return;
            }
            Futex.WaitWhile(seq, s, WaitSliceMs);
            Volatile.Write(ref *waiting, 0);
        }
    }

    static void Signal(int* seq, int* waiting)
    {
        Interlocked.Increment(ref *seq);
        if (Volatile.Read(ref *waiting) != 0) Futex.WakeAll(seq);
    }

    /// <summary>Bytes written and not yet read by the peer, from its tail as it publishes it, checked.</summary>
    long Unread()
    {
        long tail = Volatile.Read(ref Tail(_sendControl));
        return Checked(tail, ref _peerTail, _head - tail, "read");
    }

    /// <summary>Bytes the peer has written and this side not yet read, from its head as it publishes it, checked.</summary>
    long Readable()
    {
        long head = Volatile.Read(ref Head(_recvControl));
        return Checked(head, ref _peerHead, head - _tail, "write");
    }

    /// <summary>A peer counter is sane when it never moves back and stays within one ring of this side's own.</summary>
    long Checked(long peer, ref long lastSeen, long distance, string counter)
    {
        if (peer < lastSeen || distance < 0 || distance > _capacity)
        {
            Interlocked.CompareExchange(ref _failed, 1, 0);
            throw new LinkFailedException(PeerRank,
                $"link to rank {PeerRank}: the peer wrote an impossible {counter} counter {peer} into the shared ring (ours: {_head} written, {_tail} read)");
        }
        lastSeen = peer;
        return distance;
    }

    public void Send(ReadOnlySpan<byte> data)
    {
        byte* c = _sendControl;
        long total = data.Length;
        while (!data.IsEmpty)
        {
            ThrowIfFailed("send");
            long free = _capacity - Unread();
            if (free == 0)
            {
                Await(() => _capacity - Unread() > 0, SpaceSeq(c), ProducerWaiting(c), "send", false);
                continue;
            }
            long at = _head % _capacity;
            int n = (int)Math.Min(Math.Min(free, data.Length), _capacity - at);
            data[..n].CopyTo(new Span<byte>(_sendData + at, n));
            _head += n;
            Volatile.Write(ref Head(c), _head);
            Signal(DataSeq(c), ConsumerWaiting(c));
            data = data[n..];
        }
        Interlocked.Add(ref _sent, total);
    }

    public void Receive(Span<byte> buffer)
    {
        long total = buffer.Length;
        while (!buffer.IsEmpty)
        {
            var (at, n) = Available(buffer.Length);
            new ReadOnlySpan<byte>(_recvData + at, n).CopyTo(buffer);
            Consume(n);
            buffer = buffer[n..];
        }
        Interlocked.Add(ref _received, total);
    }

    /// <summary>acc[i] += the next floats on the link, read in place from the ring (no copy into a scratch buffer).</summary>
    public void ReceiveAdd(Span<float> acc)
    {
        long total = acc.Length * 4L;
        Span<byte> straddle = stackalloc byte[4];
        while (!acc.IsEmpty)
        {
            var (at, n) = Available(acc.Length * 4);
            int floats = n / 4;
            if (floats > 0)
            {
                VectorMath.Add(acc[..floats], new ReadOnlySpan<float>(_recvData + at, floats)); // unaligned loads are fine
                Consume(floats * 4);
                acc = acc[floats..];
            }
            else
            {
                // A float split by the ring's end (or by an odd-sized broadcast earlier in the stream): via 4 bytes.
                Receive(straddle);
                Interlocked.Add(ref _received, -4);
                acc[0] += MemoryMarshal.Read<float>(straddle);
                acc = acc[1..];
            }
        }
        Interlocked.Add(ref _received, total);
    }

    (long At, int Count) Available(int wanted)
    {
        byte* c = _recvControl;
        while (true)
        {
            if (Volatile.Read(ref _failed) == 1) ThrowIfFailed("receive");
            long avail = Readable();
            if (avail > 0)
            {
                long at = _tail % _capacity;
                return (at, (int)Math.Min(Math.Min(avail, wanted), _capacity - at));
            }
            Await(() => Readable() > 0, DataSeq(c), ConsumerWaiting(c), "receive", true);
        }
    }

    void Consume(int n)
    {
        byte* c = _recvControl;
        _tail += n;
        Volatile.Write(ref Tail(c), _tail);
        Signal(SpaceSeq(c), ProducerWaiting(c));
    }

    /// <summary>Test seam: writes <paramref name="value"/> at <paramref name="offset"/> of direction <paramref name="direction"/>'s
    /// control block, as a hostile or broken peer could at any time.</summary>
    internal void PeerWritesControl(int direction, int offset, long value) =>
        Volatile.Write(ref Unsafe.AsRef<long>(_base + ControlOffset + direction * ControlSize + offset), value);

    void Watch()
    {
        var one = new byte[1];
        while (true)
        {
            try
            {
                if (_liveness.Receive(one) == 0) break; // nothing is sent on it after the negotiation: EOF = gone
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock && Volatile.Read(ref _aborted) == 0)
            {
                // a receive timeout is not the peer leaving
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                break;
            }
        }
        Interlocked.CompareExchange(ref _failed, 2, 0);
        WakeEveryone();
    }

    void WakeEveryone()
    {
        foreach (var c in new[] { (nint)_sendControl, (nint)_recvControl })
        {
            Futex.WakeAll(DataSeq((byte*)c));
            Futex.WakeAll(SpaceSeq((byte*)c));
        }
    }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        Interlocked.CompareExchange(ref _failed, 1, 0);
        Volatile.Write(ref *Closed(_sendControl), 1);
        WakeEveryone();
        try { _liveness.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _liveness.Dispose();
    }

    public void Dispose()
    {
        Abort();
        _watchdog.Join(TimeSpan.FromSeconds(5));
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
