using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.Internal;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective;

/// <summary>
/// A rank's data-plane listening socket. Bind it first (port 0 picks a free port: publish <see cref="Port"/> in the
/// rendezvous), then build worlds on it with <see cref="RingCollective.ConnectAsync"/> and receive transfers with
/// <see cref="PeerTransfer"/>. It lives across worlds: each new world fences it at its epoch.
/// <para>Incoming connections are authenticated by a challenge-response over the run token (Internal/Handshake.cs):
/// magic, version, run id, an epoch neither older than the fence nor too far ahead of it, then the peer's proof,
/// checked in constant time. Unauthenticated connections cost no thread (asynchronous reads), are capped at
/// <see cref="MaxUnauthenticated"/> (the oldest is dropped for a newcomer), and get one deadline for the whole
/// handshake. Authenticated ones are held until a local operation claims them by (channel, epoch, peer rank, tag).
/// Refusals are counted in <see cref="Stats"/> and <see cref="CollectiveMetrics"/> (docs/security.md).</para>
/// </summary>
public sealed class DataPlaneListener : IDisposable
{
    const int MaxPending = 64;

    /// <summary>Connections still in their handshake at once; beyond it the oldest is dropped (slow or hostile clients).</summary>
    public const int MaxUnauthenticated = 64;

    /// <summary>How far ahead of this listener's fence a connection's epoch may be (a peer may enter a world a moment earlier).</summary>
    public const long MaxEpochLead = 16;

    readonly Socket _socket;
    readonly RunToken _token;
    readonly Handshake.Keys _keys;
    readonly LinkedList<Handshaking> _handshaking = []; // unauthenticated connections, oldest first; guarded by _gate
    readonly TimeSpan _handshakeTimeout;
    readonly TimeSpan _unclaimedTimeout;
    readonly Thread _acceptThread;
    readonly Timer _sweeper;
    readonly object _gate = new();
    readonly List<Pending> _pending = [];
    readonly List<Waiter> _waiters = [];
    long _fencedEpoch = -1;
    volatile bool _closing;

    /// <summary>An authenticated connection waiting to be claimed; the hello and challenge bytes sign the final reply.</summary>
    sealed record Pending(Socket Socket, Handshake.Hello Hello, byte[] Transcript, DateTime Arrived);

    sealed record Waiter(ChannelKind Channel, long Epoch, int FromRank, int MyRank, long Tag, TaskCompletionSource<Socket> Result);

    DataPlaneListener(Socket socket, RunToken token, DataPlaneStats stats, TimeSpan handshakeTimeout, TimeSpan unclaimedTimeout)
    {
        _socket = socket;
        _token = token;
        _keys = new Handshake.Keys(token);
        Stats = stats;
        _handshakeTimeout = handshakeTimeout;
        _unclaimedTimeout = unclaimedTimeout;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"dataplane-accept:{Port}" };
        _acceptThread.Start();
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Binds and starts accepting. <paramref name="bind"/> defaults to all IPv4 interfaces, port 0 (any free port).</summary>
    /// <param name="handshakeTimeout">How long a new connection may take for its whole handshake, hello and proof (default 10 s).</param>
    /// <param name="unclaimedTimeout">How long a valid connection waits for a local operation to claim it (default 120 s).</param>
    public static DataPlaneListener Start(RunToken token, IPEndPoint? bind = null, DataPlaneStats? stats = null,
        TimeSpan? handshakeTimeout = null, TimeSpan? unclaimedTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        bind ??= new IPEndPoint(IPAddress.Any, 0);
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(bind);
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new DataPlaneListener(socket, token, stats ?? new DataPlaneStats(),
            handshakeTimeout ?? TimeSpan.FromSeconds(10), unclaimedTimeout ?? TimeSpan.FromSeconds(120));
    }

    /// <summary>The bound address, with the actual port when 0 was asked for.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public int Port => LocalEndPoint.Port;

    public DataPlaneStats Stats { get; }

    internal RunToken Token => _token;

    /// <summary>Connections accepted but not yet authenticated (for tests and status lines).</summary>
    public int Unauthenticated
    {
        get { lock (_gate) return _handshaking.Count; }
    }

    /// <summary>The oldest epoch still admitted (-1 before the first world).</summary>
    public long FencedEpoch => Interlocked.Read(ref _fencedEpoch);

    /// <summary>
    /// Refuses, from now on, every connection whose epoch is older than <paramref name="epoch"/>, and drops those
    /// already waiting. Never moves backwards. Called by every world built on this listener.
    /// </summary>
    public void Fence(long epoch)
    {
        List<Pending> stale = [];
        lock (_gate)
        {
            if (epoch <= _fencedEpoch) return;
            Interlocked.Exchange(ref _fencedEpoch, epoch);
            _pending.RemoveAll(p =>
            {
                if (p.Hello.Epoch >= epoch) return false;
                stale.Add(p);
                return true;
            });
        }
        foreach (var p in stale) Refuse(p.Socket, RefusalReason.StaleEpoch);
    }

    /// <summary>
    /// Waits for the connection that <paramref name="fromRank"/> opens to <paramref name="myRank"/> for
    /// (<paramref name="channel"/>, <paramref name="epoch"/>, <paramref name="tag"/>), accepts it (handshake reply)
    /// and returns its socket. Throws <see cref="CollectiveAbortedException"/> (ConnectFailed) after the timeout.
    /// </summary>
    internal async Task<Socket> ClaimAsync(ChannelKind channel, long epoch, int fromRank, int myRank, long tag, TimeSpan timeout,
        CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        var waiter = new Waiter(channel, epoch, fromRank, myRank, tag,
            new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously));
        Pending? match = null;
        lock (_gate)
        {
            int i = _pending.FindIndex(p => Matches(waiter, p.Hello));
            if (i >= 0)
            {
                match = _pending[i];
                _pending.RemoveAt(i);
            }
            else
            {
                _waiters.Add(waiter);
            }
        }
        if (match is not null)
        {
            Hand(waiter, match);
        }
        try
        {
            return await waiter.Result.Task.WaitAsync(timeout, cancel).ConfigureAwait(false);
        }
        catch (ObjectDisposedException e)
        {
            throw new CollectiveAbortedException(AbortReason.Disposed, fromRank, epoch, "the listener was disposed", e);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (_gate) _waiters.Remove(waiter);
            // A connection may have been handed over in the meantime: do not leak it.
            if (waiter.Result.Task.IsCompletedSuccessfully) waiter.Result.Task.Result.Dispose();
            if (e is OperationCanceledException)
                throw new CollectiveAbortedException(AbortReason.Cancelled, fromRank, epoch, $"waiting for rank {fromRank} was cancelled", e);
            throw new CollectiveAbortedException(AbortReason.ConnectFailed, fromRank, epoch,
                $"rank {fromRank} did not connect within {timeout}");
        }
    }

    static bool Matches(Waiter w, Handshake.Hello h) =>
        w.Channel == h.Channel && w.Epoch == h.Epoch && w.FromRank == h.FromRank && w.Tag == h.Tag;

    void Hand(Waiter waiter, Pending p)
    {
        if (p.Hello.ToRank != waiter.MyRank)
        {
            Refuse(p.Socket, RefusalReason.WrongRank);
            lock (_gate) if (!waiter.Result.Task.IsCompleted) _waiters.Add(waiter); // keep waiting for a well-addressed one
            return;
        }
        try
        {
            Span<byte> reply = stackalloc byte[Handshake.ReplySize];
            Handshake.WriteReply(reply, RefusalReason.None, FencedEpoch, _keys,
                p.Transcript.AsSpan(0, Handshake.HelloSize), p.Transcript.AsSpan(Handshake.HelloSize));
            p.Socket.Send(reply);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            p.Socket.Dispose();
            lock (_gate) if (!waiter.Result.Task.IsCompleted) _waiters.Add(waiter);
            return;
        }
        if (!waiter.Result.TrySetResult(p.Socket)) p.Socket.Dispose();
    }

    void AcceptLoop()
    {
        while (!_closing)
        {
            Socket client;
            try
            {
                client = _socket.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (_closing) return;
                Thread.Sleep(10);
                continue;
            }
            _ = AdmitAsync(client); // asynchronous: a slow or silent client holds no thread
        }
    }

    /// <summary>A connection in its handshake: its socket, whether its hello named this run, whether a newer one took its place.</summary>
    sealed class Handshaking(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public bool NamedThisRun;
        public bool Evicted;
    }

    /// <summary>
    /// Authenticates one connection within a single deadline, then hands it to a waiting operation or holds it.
    /// Counts toward <see cref="MaxUnauthenticated"/> until authenticated; the oldest is evicted when a newer one needs room.
    /// </summary>
    async Task AdmitAsync(Socket client)
    {
        var me = new Handshaking(client);
        LinkedListNode<Handshaking> slot;
        Handshaking? evicted = null;
        lock (_gate)
        {
            if (_handshaking.Count >= MaxUnauthenticated)
            {
                // The oldest that has not even sent a hello naming this run (a slow or hostile client) goes first: a
                // genuine peer sends its whole hello at once, so a flood of newcomers cannot push it out.
                var victim = _handshaking.First!;
                for (var n = victim; n != null; n = n.Next)
                    if (!n.Value.NamedThisRun) { victim = n; break; }
                evicted = victim.Value;
                evicted.Evicted = true;
                _handshaking.Remove(victim);
            }
            slot = _handshaking.AddLast(me);
        }
        if (evicted != null) Drop(evicted.Socket, RefusalReason.Overloaded); // its pending read fails and it ends quietly

        using var deadline = new CancellationTokenSource(_handshakeTimeout);
        var transcript = new byte[Handshake.HelloSize + Handshake.ChallengeSize];
        Handshake.Hello hello;
        try
        {
            var helloBytes = transcript.AsMemory(0, Handshake.HelloSize);
            await Handshake.ReceiveExactlyAsync(client, helloBytes, deadline.Token).ConfigureAwait(false);
            var refusal = Handshake.ReadHello(helloBytes.Span, _keys, out hello);
            if (refusal == RefusalReason.None) refusal = CheckEpochAndRanks(hello);
            if (refusal != RefusalReason.None)
            {
                RefuseEarly(client, refusal);
                return;
            }
            lock (_gate) me.NamedThisRun = true;
            var challenge = transcript.AsMemory(Handshake.HelloSize);
            Handshake.WriteChallenge(challenge.Span, RefusalReason.None, FencedEpoch);
            await client.SendAsync(challenge, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            var proof = new byte[Handshake.ProofSize];
            await Handshake.ReceiveExactlyAsync(client, proof, deadline.Token).ConfigureAwait(false);
            if (!Handshake.VerifyProof(_keys, helloBytes.Span, challenge.Span, proof))
            {
                Refuse(client, RefusalReason.BadToken);
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            bool wasEvicted;
            lock (_gate) wasEvicted = me.Evicted;
            if (wasEvicted) return; // refused (Overloaded) by the newcomer that took its place
            if (e is OperationCanceledException) Drop(client, RefusalReason.Timeout); // the whole handshake took too long
            else client.Dispose();
            return;
        }
        finally
        {
            lock (_gate) if (slot.List != null) _handshaking.Remove(slot);
        }

        RefusalReason reason = RefusalReason.None;
        Waiter? waiter = null;
        var pending = new Pending(client, hello, transcript, DateTime.UtcNow);
        lock (_gate)
        {
            if (_closing) reason = RefusalReason.Closing;
            else if (hello.Epoch < _fencedEpoch) reason = RefusalReason.StaleEpoch; // the fence may have moved meanwhile
            else
            {
                waiter = _waiters.Find(w => Matches(w, hello));
                if (waiter is not null) _waiters.Remove(waiter);
                else if (_pending.Count >= MaxPending) reason = RefusalReason.Overloaded;
                else _pending.Add(pending);
            }
        }
        if (reason != RefusalReason.None) Refuse(client, reason);
        else if (waiter is not null) Hand(waiter, pending);
    }

    /// <summary>Before the proof: an epoch older than the fence, one too far ahead of it, or a negative rank is refused.</summary>
    RefusalReason CheckEpochAndRanks(Handshake.Hello hello)
    {
        long fence = FencedEpoch;
        if (hello.Epoch < fence) return RefusalReason.StaleEpoch;
        if (fence >= 0 && hello.Epoch - fence > MaxEpochLead) return RefusalReason.FutureEpoch;
        if (hello.FromRank < 0 || hello.ToRank < 0) return RefusalReason.WrongRank;
        return RefusalReason.None;
    }

    /// <summary>Refuses during the handshake (a challenge carrying the refusal); garbage gets no answer at all.</summary>
    void RefuseEarly(Socket socket, RefusalReason reason)
    {
        Span<byte> challenge = stackalloc byte[Handshake.ChallengeSize];
        Handshake.WriteChallenge(challenge, reason, FencedEpoch);
        Close(socket, reason, reason == RefusalReason.BadMagic ? default : challenge);
    }

    /// <summary>Counts and closes a connection without a word (mid-handshake: the peer, if genuine, simply retries).</summary>
    void Drop(Socket socket, RefusalReason reason) => Close(socket, reason, default);

    /// <summary>Refuses an authenticated connection with the final reply.</summary>
    void Refuse(Socket socket, RefusalReason reason)
    {
        Span<byte> reply = stackalloc byte[Handshake.ReplySize];
        Handshake.WriteReply(reply, reason, FencedEpoch);
        Close(socket, reason, reply);
    }

    void Close(Socket socket, RefusalReason reason, ReadOnlySpan<byte> farewell)
    {
        Stats.Refused(reason);
        try
        {
            if (!farewell.IsEmpty) socket.Send(farewell);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        finally
        {
            socket.Dispose();
        }
    }

    void Sweep()
    {
        var cutoff = DateTime.UtcNow - _unclaimedTimeout;
        List<Pending> expired = [];
        lock (_gate)
        {
            _pending.RemoveAll(p =>
            {
                if (p.Arrived >= cutoff) return false;
                expired.Add(p);
                return true;
            });
        }
        foreach (var p in expired) Refuse(p.Socket, RefusalReason.Timeout);
    }

    public void Dispose()
    {
        if (_closing) return;
        _closing = true;
        _sweeper.Dispose();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
        List<Pending> pending;
        List<Waiter> waiters;
        List<Handshaking> handshaking;
        lock (_gate)
        {
            pending = [.. _pending];
            waiters = [.. _waiters];
            handshaking = [.. _handshaking];
            foreach (var h in handshaking) h.Evicted = true; // they end quietly
            _pending.Clear();
            _waiters.Clear();
            _handshaking.Clear();
        }
        foreach (var h in handshaking) Drop(h.Socket, RefusalReason.Closing);
        foreach (var p in pending) Refuse(p.Socket, RefusalReason.Closing);
        foreach (var w in waiters) w.Result.TrySetException(new ObjectDisposedException(nameof(DataPlaneListener)));
        _acceptThread.Join(TimeSpan.FromSeconds(5));
    }
}
