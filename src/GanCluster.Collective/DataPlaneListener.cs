using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.Internal;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective;

/// <summary>
/// A rank's data-plane listening socket. Bind it first (port 0 picks a free port: publish <see cref="Port"/> in the
/// rendezvous), then build worlds on it with <see cref="RingCollective.ConnectAsync"/> and receive transfers with
/// <see cref="PeerTransfer"/>. It lives across worlds: each new world fences it at its epoch.
/// <para>Incoming connections are checked (magic, version, run token in constant time, epoch not older than the
/// fence) on their own thread, then held until a local operation claims them by (channel, epoch, peer rank, tag).
/// Refusals are counted in <see cref="Stats"/> and <see cref="CollectiveMetrics"/>.</para>
/// </summary>
public sealed class DataPlaneListener : IDisposable
{
    const int MaxPending = 64;

    readonly Socket _socket;
    readonly RunToken _token;
    readonly TimeSpan _handshakeTimeout;
    readonly TimeSpan _unclaimedTimeout;
    readonly Thread _acceptThread;
    readonly Timer _sweeper;
    readonly object _gate = new();
    readonly List<Pending> _pending = [];
    readonly List<Waiter> _waiters = [];
    long _fencedEpoch = -1;
    volatile bool _closing;

    sealed record Pending(Socket Socket, Handshake.Hello Hello, DateTime Arrived);

    sealed record Waiter(ChannelKind Channel, long Epoch, int FromRank, int MyRank, long Tag, TaskCompletionSource<Socket> Result);

    DataPlaneListener(Socket socket, RunToken token, DataPlaneStats stats, TimeSpan handshakeTimeout, TimeSpan unclaimedTimeout)
    {
        _socket = socket;
        _token = token;
        Stats = stats;
        _handshakeTimeout = handshakeTimeout;
        _unclaimedTimeout = unclaimedTimeout;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"dataplane-accept:{Port}" };
        _acceptThread.Start();
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Binds and starts accepting. <paramref name="bind"/> defaults to all IPv4 interfaces, port 0 (any free port).</summary>
    /// <param name="handshakeTimeout">How long a new connection may take to send its hello (default 10 s).</param>
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
            Handshake.WriteReply(reply, RefusalReason.None, FencedEpoch);
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
            var t = new Thread(() => Admit(client)) { IsBackground = true, Name = "dataplane-handshake" };
            t.Start();
        }
    }

    void Admit(Socket client)
    {
        Handshake.Hello hello;
        try
        {
            client.ReceiveTimeout = (int)_handshakeTimeout.TotalMilliseconds;
            Span<byte> buffer = stackalloc byte[Handshake.HelloSize];
            Handshake.ReceiveExactly(client, buffer);
            client.ReceiveTimeout = 0;
            var refusal = Handshake.ReadHello(buffer, _token, out hello);
            if (refusal != RefusalReason.None)
            {
                Refuse(client, refusal);
                return;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            Refuse(client, RefusalReason.Timeout);
            return;
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            client.Dispose();
            return;
        }

        RefusalReason reason = RefusalReason.None;
        Waiter? waiter = null;
        var pending = new Pending(client, hello, DateTime.UtcNow);
        lock (_gate)
        {
            if (_closing) reason = RefusalReason.Closing;
            else if (hello.Epoch < _fencedEpoch) reason = RefusalReason.StaleEpoch;
            else if (hello.FromRank < 0 || hello.ToRank < 0) reason = RefusalReason.WrongRank;
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

    void Refuse(Socket socket, RefusalReason reason)
    {
        Stats.Refused(reason);
        try
        {
            if (reason != RefusalReason.BadMagic)
            {
                Span<byte> reply = stackalloc byte[Handshake.ReplySize];
                Handshake.WriteReply(reply, reason, FencedEpoch);
                socket.Send(reply);
            }
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
        lock (_gate)
        {
            pending = [.. _pending];
            waiters = [.. _waiters];
            _pending.Clear();
            _waiters.Clear();
        }
        foreach (var p in pending) Refuse(p.Socket, RefusalReason.Closing);
        foreach (var w in waiters) w.Result.TrySetException(new ObjectDisposedException(nameof(DataPlaneListener)));
        _acceptThread.Join(TimeSpan.FromSeconds(5));
    }
}
