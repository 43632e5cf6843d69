using System.Diagnostics;
using GanCluster.Core.Diagnostics;
using System.Net.Sockets;
using GanCluster.Collective.Internal;
using GanCluster.Collective.Transport;
using GanCluster.Core.Parallel;

namespace GanCluster.Collective;

/// <summary>
/// Ring all-reduce and broadcast over TCP between the ranks of one world (see docs/data-plane.md).
/// <para>Connection pattern (no deadlock by construction): every rank has bound its <see cref="DataPlaneListener"/>
/// before the world is published; then rank r <i>connects</i> to rank (r+1) mod n and <i>accepts</i> from rank
/// (r-1) mod n, both at once. Accepting never waits on connecting: the listener takes connections in the
/// background and holds them until claimed.</para>
/// <para>Each operation runs on dedicated threads (a sender and a receiver per lane) while the caller waits with
/// the operation timeout and its CancellationToken. Any failure (peer reset or EOF, timeout, cancellation,
/// mismatched calls) aborts every link of this rank, which its neighbours see at once, and throws
/// <see cref="CollectiveAbortedException"/>; the instance is unusable afterwards (build the next world).</para>
/// <para>Not thread-safe: one operation at a time, as the training step calls it.</para>
/// </summary>
public sealed class RingCollective : ICollective
{
    readonly RingLane[] _lanes;
    readonly IDataLink[] _links;
    readonly Worker[] _workers;
    readonly ManualResetEventSlim _done = new(false);
    readonly object _abortGate = new();
    int _remaining;
    int _aborting;
    int _busy;
    bool _disposed;
    long _seq;
    long _lastSent, _lastReceived;
    CollectiveAbortedException? _abort;

    readonly int _n;
    readonly bool _countsOperations;

    RingCollective(WorldDescriptor world, int rank, RingMembers ring, RingOptions options, DataPlaneStats stats, IDataLink? toNext,
        IDataLink? fromPrevious)
    {
        World = world;
        Rank = rank;
        Options = options;
        Stats = stats;
        _n = ring.Size;
        _countsOperations = ring.Tag == RingMembers.WholeWorldTag;
        if (_n == 1 || toNext is null || fromPrevious is null)
        {
            _lanes = [];
            _links = [];
            _workers = [];
            return;
        }
        int n = _n, position = ring.Position;
        _links = [toNext, fromPrevious];
        var lanes = new List<RingLane> { new(0, toNext, fromPrevious, position, n, options) };
        // The mirrored lane runs the other way round the same two sockets: position (n - p) mod n has position p-1 as successor.
        if (options.Bidirectional) lanes.Add(new RingLane(1, fromPrevious, toNext, (n - position) % n, n, options));
        _lanes = [.. lanes];
        _workers = new Worker[_lanes.Length * 2];
        for (int i = 0; i < _workers.Length; i++)
            _workers[i] = new Worker(this, $"ring-{(ring.Tag == RingMembers.WholeWorldTag ? "" : $"t{ring.Tag}-")}r{rank}-lane{i / 2}-{(i % 2 == 0 ? "send" : "recv")}");
    }

    /// <summary>
    /// Joins <paramref name="world"/> as <paramref name="rank"/>: fences the listener at the world's epoch, connects to
    /// rank+1 and accepts rank-1 (within <see cref="RingOptions.ConnectTimeout"/>). A world of one touches no socket.
    /// </summary>
    public static async Task<RingCollective> ConnectAsync(WorldDescriptor world, int rank, DataPlaneListener listener,
        RingOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(world);
        if ((uint)rank >= (uint)world.Size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"world of {world.Size} ranks");
        return await ConnectAsync(world, rank, RingMembers.WholeWorld(world.Size, rank), listener, options, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Joins the ring of <paramref name="ring"/>'s members (global ranks of <paramref name="world"/>, in ring order) as
    /// <paramref name="rank"/>: the same connection set-up as the whole world's ring, told apart by the ring's tag. The
    /// hierarchical schedule builds its host ring and its cross-host ring with it; such a sub-ring counts no operations in
    /// the stats (its owner does).
    /// </summary>
    internal static async Task<RingCollective> ConnectAsync(WorldDescriptor world, int rank, RingMembers ring, DataPlaneListener listener,
        RingOptions? options, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(listener);
        options ??= RingOptions.Default;
        options.Validate();
        if (!listener.Token.Equals(world.Token)) throw new ArgumentException("the listener was started with another run token", nameof(listener));
        listener.Fence(world.Epoch);
        if (ring.Size == 1) return new RingCollective(world, rank, ring, options, listener.Stats, null, null);

        int next = ring.Next, previous = ring.Previous;
        var (outbound, inbound) = await PairedConnect.BothAsync(
            token => Handshake.ConnectAsync(world, rank, next, ChannelKind.Ring, ring.Tag, options, token),
            token => listener.ClaimAsync(ChannelKind.Ring, world.Epoch, previous, rank, ring.Tag, options.ConnectTimeout, token),
            world.Epoch, cancel).ConfigureAwait(false);
        var (toNext, fromPrevious) = await ChooseTransportAsync(outbound, next, inbound, previous, world, options, cancel)
            .ConfigureAwait(false);
        return new RingCollective(world, rank, ring, options, listener.Stats, toNext, fromPrevious);
    }

    /// <summary>
    /// Right after the handshake, every connection carries one transport negotiation: the connecting side offers a
    /// shared-memory ring (or nothing), the accepting side answers. Each rank offers on its outbound connection and
    /// answers on its inbound one at the same time, so there is no waiting cycle. Bounded by the connect timeout.
    /// </summary>
    static async Task<(IDataLink, IDataLink)> ChooseTransportAsync(Socket outbound, int next, Socket inbound, int previous,
        WorldDescriptor world, RingOptions options, CancellationToken cancel)
    {
        int ms = (int)Math.Min(int.MaxValue, options.ConnectTimeout.TotalMilliseconds);
        outbound.ReceiveTimeout = ms;
        inbound.ReceiveTimeout = ms;
        using var reg = cancel.Register(() =>
        {
            outbound.Dispose();
            inbound.Dispose();
        });
        var offer = Task.Factory.StartNew(() => (IDataLink?)SharedMemoryLink.Offer(outbound, next, options.SharedMemory, options.SharedMemoryBytes),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var answer = Task.Factory.StartNew(() => (IDataLink?)SharedMemoryLink.Answer(inbound, previous, options.SharedMemory),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await Task.WhenAll(offer, answer).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (offer.IsCompletedSuccessfully) offer.Result?.Dispose();
            if (answer.IsCompletedSuccessfully) answer.Result?.Dispose();
            outbound.Dispose();
            inbound.Dispose();
            var reason = cancel.IsCancellationRequested ? AbortReason.Cancelled : AbortReason.ConnectFailed;
            throw new CollectiveAbortedException(reason, null, world.Epoch, $"transport negotiation failed: {e.Message}", e);
        }
        outbound.ReceiveTimeout = 0;
        inbound.ReceiveTimeout = 0;
        return (offer.Result ?? new TcpLink(outbound, next, options.LinkTimeout), answer.Result ?? new TcpLink(inbound, previous, options.LinkTimeout));
    }

    /// <summary>The transport each link ended up on ("tcp" or "shm"), next then previous (for logs and tests).</summary>
    public string Transport => _links.Length == 0 ? "none" : string.Join('/', _links.Select(l => l is SharedMemoryLink ? "shm" : "tcp"));

    /// <summary>The links to the next and the previous rank (for tests).</summary>
    internal IReadOnlyList<IDataLink> Links => _links;

    public override string ToString() => $"the flat ring of {_n} ranks ({Transport})";

    public int Rank { get; }

    public int WorldSize => World.Size;

    public long Epoch => World.Epoch;

    public WorldDescriptor World { get; }

    public RingOptions Options { get; }

    public DataPlaneStats Stats { get; }

    /// <summary>True once an operation aborted: every later call throws; form a new world.</summary>
    public bool IsFaulted => Volatile.Read(ref _abort) is not null;

    /// <summary>Element-wise sum over all ranks, in place; every rank ends with identical bits.</summary>
    public void AllReduceSum(Memory<float> data, CancellationToken cancel = default)
    {
        using var span = _countsOperations && _lanes.Length > 0 && !data.IsEmpty
            ? GanActivities.Source.StartActivity(GanActivities.AllReduce)?.SetTag("gancluster.bytes", (long)data.Length * sizeof(float))
            : null;
        long start = Stopwatch.GetTimestamp();
        if (RunReduction(data, OpKind.AllReduceSum, cancel) && _countsOperations)
            Stats.AllReduceDone(Stopwatch.GetElapsedTime(start), (long)data.Length * sizeof(float));
    }

    /// <summary>The first half of the all-reduce: afterwards this rank holds the ring's sum of <see cref="OwnedSegments"/>
    /// (and partial sums elsewhere).</summary>
    internal void ReduceScatter(Memory<float> data, CancellationToken cancel) => RunReduction(data, OpKind.ReduceScatter, cancel);

    /// <summary>The second half: every rank contributes its <see cref="OwnedSegments"/> and ends with all of them.</summary>
    internal void AllGather(Memory<float> data, CancellationToken cancel) => RunReduction(data, OpKind.AllGather, cancel);

    /// <summary>The parts of a <paramref name="count"/>-element buffer this rank finishes in <see cref="ReduceScatter"/>:
    /// one per lane (lane 0 works on the first half, the mirrored lane on the second), fixed by (ring size, position, count).</summary>
    internal IReadOnlyList<(int Start, int Length)> OwnedSegments(int count)
    {
        if (_lanes.Length == 0) return [(0, count)];
        int split = _lanes.Length == 1 ? count : count / 2;
        var first = _lanes[0].OwnedSegment(split);
        if (_lanes.Length == 1) return [first];
        var second = _lanes[1].OwnedSegment(count - split);
        return [first, (split + second.Start, second.Length)];
    }

    /// <summary>Runs one reduction (or half of one) on every lane; false when there was nothing to move.</summary>
    bool RunReduction(Memory<float> data, OpKind kind, CancellationToken cancel)
    {
        Enter(cancel);
        try
        {
            if (_lanes.Length == 0 || data.IsEmpty) return false;
            long seq = ++_seq;
            // Lane 0 takes the first half, the mirrored lane the second; each is an independent ring.
            int split = _lanes.Length == 1 ? data.Length : data.Length / 2;
            _lanes[0].PrepareAllReduce(data[..split], seq, kind);
            if (_lanes.Length == 2) _lanes[1].PrepareAllReduce(data[split..], seq, kind);
            for (int i = 0; i < _lanes.Length; i++)
            {
                var lane = _lanes[i];
                _workers[2 * i].Job = () => lane.AllReduceSend(ref _aborting);
                _workers[2 * i + 1].Job = lane.AllReduceReceive;
            }
            Execute(_workers, cancel);
            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Replaces <paramref name="data"/> on every rank with rank <paramref name="root"/>'s bytes (pipelined
    /// chain round the ring). Every rank must pass a buffer of the same length.</summary>
    /// <remarks>On a sub-ring (<see cref="RingMembers"/>) <paramref name="root"/> is a position in that ring.</remarks>
    public void Broadcast(Memory<byte> data, int root, CancellationToken cancel = default)
    {
        if ((uint)root >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(root), root, $"ring of {_n} ranks");
        Enter(cancel);
        try
        {
            if (_lanes.Length == 0 || data.IsEmpty) return;
            long start = Stopwatch.GetTimestamp();
            var lane = _lanes[0];
            lane.PrepareBroadcast(data, root, ++_seq, root);
            var jobs = new List<Worker>(2);
            if (lane.BroadcastSends)
            {
                _workers[0].Job = () => lane.BroadcastSend(ref _aborting);
                jobs.Add(_workers[0]);
            }
            if (lane.BroadcastReceives)
            {
                _workers[1].Job = lane.BroadcastReceive;
                jobs.Add(_workers[1]);
            }
            Execute([.. jobs], cancel);
            if (_countsOperations) Stats.BroadcastDone(Stopwatch.GetElapsedTime(start));
        }
        finally
        {
            Exit();
        }
    }

    void Enter(CancellationToken cancel)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("RingCollective runs one operation at a time");
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Volatile.Read(ref _abort) is { } earlier)
                throw new CollectiveAbortedException(earlier.Reason, earlier.PeerRank, Epoch,
                    "an earlier operation aborted this world; connect a new one", earlier, earlier.Refusal);
            if (cancel.IsCancellationRequested)
                throw new CollectiveAbortedException(AbortReason.Cancelled, null, Epoch, "cancelled before the operation started");
        }
        catch
        {
            Volatile.Write(ref _busy, 0);
            throw;
        }
    }

    void Exit()
    {
        foreach (var lane in _lanes) lane.Release();
        Volatile.Write(ref _busy, 0);
    }

    void Execute(Worker[] workers, CancellationToken cancel)
    {
        _done.Reset();
        Volatile.Write(ref _remaining, workers.Length);
        foreach (var w in workers) w.Go();
        try
        {
            WaitWatchingLinks(cancel);
        }
        catch (OperationCanceledException)
        {
            Abort(AbortReason.Cancelled, null, "the operation was cancelled", null);
        }
        if (Volatile.Read(ref _aborting) != 0)
        {
            // The links are shut down, so every worker returns promptly; still bound the wait.
            _done.Wait(TimeSpan.FromSeconds(10));
            AccountTraffic();
            throw _abort!;
        }
        AccountTraffic();
    }

    /// <summary>
    /// Waits for the workers, at most the operation timeout, checking the links once a second: a peer host that has
    /// acknowledged nothing for the link timeout is cut off, and the operation aborts naming it, in seconds rather
    /// than at the operation timeout (a data-plane partition gives no reset, only silence).
    /// </summary>
    void WaitWatchingLinks(CancellationToken cancel)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Options.OperationTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero)
            {
                Abort(AbortReason.Timeout, null, $"the operation did not complete within {Options.OperationTimeout}", null);
                return;
            }
            if (_done.Wait(left < LinkCheckInterval ? left : LinkCheckInterval, cancel)) return;
            foreach (var link in _links)
                if (link.PeerUnresponsive(Options.LinkTimeout))
                {
                    Abort(AbortReason.PeerUnreachable, link.PeerRank,
                        $"rank {link.PeerRank}'s host acknowledged nothing for {Options.LinkTimeout.TotalSeconds:F0} s (network cut off)", null);
                    return;
                }
        }
    }

    static readonly TimeSpan LinkCheckInterval = TimeSpan.FromSeconds(1);

    void AccountTraffic()
    {
        long sent = 0, received = 0;
        foreach (var link in _links)
        {
            sent += link.BytesSent;
            received += link.BytesReceived;
        }
        Stats.AddTraffic(sent - _lastSent, received - _lastReceived);
        _lastSent = sent;
        _lastReceived = received;
    }

    internal void WorkerFailed(Exception e)
    {
        switch (e)
        {
            case OperationAbortedSignal:
                break; // the abort that woke it carries the reason
            case LinkFailedException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.TimedOut } } lf:
                // Keepalive gave up on an idle link: the peer's host stopped answering.
                Abort(AbortReason.PeerUnreachable, lf.PeerRank, lf.Message, lf);
                break;
            case LinkFailedException lf:
                Abort(AbortReason.PeerLost, lf.PeerRank, lf.Message, lf);
                break;
            case ProtocolMismatchException pm:
                Abort(AbortReason.ProtocolMismatch, pm.PeerRank, pm.Message, pm);
                break;
            default:
                Abort(AbortReason.InternalError, null, e.Message, e);
                break;
        }
    }

    internal void WorkerDone()
    {
        if (Interlocked.Decrement(ref _remaining) == 0) _done.Set();
    }

    /// <summary>Called once, on the thread that aborted this ring, after its links are shut: the hierarchical schedule
    /// aborts its other ring with it, so the failure spreads over both rings' links at once.</summary>
    internal Action<CollectiveAbortedException>? OnAborted { get; set; }

    /// <summary>Aborts this ring because another ring of the same operation failed (keeps that failure's reason and peer).</summary>
    internal void AbortBecause(CollectiveAbortedException cause) =>
        Abort(cause.Reason, cause.PeerRank, $"another ring of this operation aborted ({cause.Message})", cause);

    void Abort(AbortReason reason, int? peer, string message, Exception? inner)
    {
        CollectiveAbortedException abort;
        lock (_abortGate)
        {
            if (_abort is not null) return;
            abort = new CollectiveAbortedException(reason, peer, Epoch, $"rank {Rank}: {message}", inner);
            Volatile.Write(ref _abort, abort);
            Volatile.Write(ref _aborting, 1);
        }
        if (!_disposed && _countsOperations) Stats.Aborted(reason);
        foreach (var link in _links) link.Abort();
        foreach (var lane in _lanes) lane.Progress.WakeAll();
        OnAborted?.Invoke(abort);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Abort(AbortReason.Disposed, null, "disposed", null);
        foreach (var w in _workers) w.Stop();
        foreach (var lane in _lanes) lane.Dispose();
        foreach (var link in _links) link.Dispose();
        _done.Dispose();
    }

    /// <summary>A dedicated thread that runs one job per operation (no thread-pool dependence, no per-op thread start).</summary>
    sealed class Worker
    {
        readonly RingCollective _owner;
        readonly SemaphoreSlim _go = new(0);
        readonly Thread _thread;
        volatile bool _stop;

        public Worker(RingCollective owner, string name)
        {
            _owner = owner;
            _thread = new Thread(Loop) { IsBackground = true, Name = name };
            _thread.Start();
        }

        public Action? Job { get; set; }

        public void Go() => _go.Release();

        public void Stop()
        {
            _stop = true;
            _go.Release();
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        void Loop()
        {
            while (true)
            {
                _go.Wait();
                if (_stop) return;
                try
                {
                    Job!();
                }
                catch (Exception e)
                {
                    _owner.WorkerFailed(e);
                }
                finally
                {
                    Job = null;
                    _owner.WorkerDone();
                }
            }
        }
    }
}
