using System.Buffers;
using System.Diagnostics;
using GanCluster.Collective.Internal;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.Parallel;

namespace GanCluster.Collective;

/// <summary>
/// All-reduce over H hosts of L ranks each (docs/data-plane.md, "Schedules"): (a) a reduce-scatter on the ring of the
/// host's L ranks (shared memory between them where it can be negotiated) leaves local rank j with the host's sum of its
/// segments; (b) L rings across hosts, ring j made of local rank j of every host, all-reduce those segments over the
/// network, all at once; (c) an all-gather on the host ring hands every segment to every local rank. Each phase is
/// <see cref="RingCollective"/> on a sub-ring of the world, so the network sees 2(H-1) latency steps instead of 2(N-1).
/// <para>Determinism: every segment is summed in one order fixed by (H, L, element count, ring positions) — inside the
/// host round its ring, then across hosts round theirs — and the finishing rank's bits are what everyone receives.</para>
/// <para>Failure: the two rings abort each other (<see cref="RingCollective.OnAborted"/>), so a failure on either spreads
/// over both rings' links at once and every rank's call throws <see cref="CollectiveAbortedException"/>; the instance is
/// unusable afterwards. Each phase is bounded by the operation timeout. Not thread-safe: one operation at a time.</para>
/// </summary>
public sealed class HierarchicalCollective : ICollective
{
    readonly RingCollective _host;
    readonly RingCollective _across;
    readonly HostLayout _layout;
    int _busy;
    int _abortCounted;

    HierarchicalCollective(WorldDescriptor world, int rank, HostLayout layout, RingCollective host, RingCollective across, DataPlaneStats stats)
    {
        (World, Rank, _layout, _host, _across, Stats) = (world, rank, layout, host, across, stats);
        _host.OnAborted = _across.AbortBecause;
        _across.OnAborted = _host.AbortBecause;
    }

    /// <summary>
    /// Joins <paramref name="world"/> as <paramref name="rank"/>: connects the host ring and this rank's ring across hosts
    /// at once (the same set-up as <see cref="RingCollective.ConnectAsync(WorldDescriptor,int,DataPlaneListener,RingOptions?,CancellationToken)"/>,
    /// each ring with its own tag). Throws <see cref="ArgumentException"/> when the world's hosts have different numbers of
    /// ranks (<see cref="HostLayout.IsUniform"/>); <see cref="CollectiveSchedule"/> falls back to the flat ring there.
    /// </summary>
    public static async Task<HierarchicalCollective> ConnectAsync(WorldDescriptor world, int rank, DataPlaneListener listener,
        RingOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(listener);
        if ((uint)rank >= (uint)world.Size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"world of {world.Size} ranks");
        var layout = HostLayout.Of(world);
        if (!layout.IsUniform)
            throw new ArgumentException($"the hierarchical schedule needs as many ranks on every host; this world has {layout}", nameof(world));
        int h = layout.HostIndexOf(rank), j = layout.LocalIndexOf(rank);
        var hostRing = new RingMembers(layout.Hosts[h], j, RingMembers.HostRingTag);
        var crossRing = new RingMembers(layout.Hosts.Select(host => host[j]).ToArray(), h, RingMembers.CrossHostRingTag);
        var (host, across) = await PairedConnect.BothAsync(
            token => RingCollective.ConnectAsync(world, rank, hostRing, listener, options, token),
            token => RingCollective.ConnectAsync(world, rank, crossRing, listener, options, token),
            world.Epoch, cancel).ConfigureAwait(false);
        return new HierarchicalCollective(world, rank, layout, host, across, listener.Stats);
    }

    public int Rank { get; }

    public int WorldSize => World.Size;

    public long Epoch => World.Epoch;

    public WorldDescriptor World { get; }

    public DataPlaneStats Stats { get; }

    /// <summary>H hosts of L ranks, as this world's endpoints say.</summary>
    public HostLayout Layout => _layout;

    /// <summary>The transports of the host ring and of the ring across hosts ("host shm/shm, across tcp/tcp").</summary>
    public string Transport => $"host {_host.Transport}, across {_across.Transport}";

    public override string ToString() => $"the hierarchical schedule on {_layout} ({Transport})";

    /// <summary>True once an operation aborted: every later call throws; form a new world.</summary>
    public bool IsFaulted => _host.IsFaulted || _across.IsFaulted;

    /// <summary>Element-wise sum over all ranks, in place; every rank ends with identical bits.</summary>
    public void AllReduceSum(Memory<float> data, CancellationToken cancel = default)
    {
        Run(() =>
        {
            if (data.IsEmpty || WorldSize == 1) return;
            using var span = GanActivities.Source.StartActivity(GanActivities.AllReduce)?.SetTag("gancluster.bytes", (long)data.Length * sizeof(float));
            long start = Stopwatch.GetTimestamp();
            _host.ReduceScatter(data, cancel);
            AllReduceAcross(data, cancel);
            _host.AllGather(data, cancel);
            Stats.AllReduceDone(Stopwatch.GetElapsedTime(start), (long)data.Length * sizeof(float));
        });
    }

    /// <summary>Phase (b): the segments this rank finished in the host's reduce-scatter (one per host-ring lane), summed
    /// with the same segments of every other host. Two segments travel as one buffer so the ring across hosts pays its
    /// latency once.</summary>
    void AllReduceAcross(Memory<float> data, CancellationToken cancel)
    {
        var owned = _host.OwnedSegments(data.Length);
        if (owned.Count == 1)
        {
            _across.AllReduceSum(data.Slice(owned[0].Start, owned[0].Length), cancel);
            return;
        }
        int total = owned.Sum(s => s.Length);
        var scratch = ArrayPool<float>.Shared.Rent(total);
        try
        {
            int at = 0;
            foreach (var (start, length) in owned)
            {
                data.Span.Slice(start, length).CopyTo(scratch.AsSpan(at));
                at += length;
            }
            _across.AllReduceSum(scratch.AsMemory(0, total), cancel);
            at = 0;
            foreach (var (start, length) in owned)
            {
                scratch.AsSpan(at, length).CopyTo(data.Span.Slice(start, length));
                at += length;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Replaces <paramref name="data"/> on every rank with rank <paramref name="root"/>'s bytes: the root's ring
    /// across hosts carries them to one rank per host, then every host ring from that rank.</summary>
    public void Broadcast(Memory<byte> data, int root, CancellationToken cancel = default)
    {
        if ((uint)root >= (uint)WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"world of {WorldSize} ranks");
        Run(() =>
        {
            if (data.IsEmpty || WorldSize == 1) return;
            long start = Stopwatch.GetTimestamp();
            int rootLocal = _layout.LocalIndexOf(root);
            if (_layout.LocalIndexOf(Rank) == rootLocal) _across.Broadcast(data, _layout.HostIndexOf(root), cancel);
            _host.Broadcast(data, rootLocal, cancel);
            Stats.BroadcastDone(Stopwatch.GetElapsedTime(start));
        });
    }

    void Run(Action operation)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("HierarchicalCollective runs one operation at a time");
        try
        {
            operation();
        }
        catch (CollectiveAbortedException e)
        {
            // Both rings abort together; count the operation's abort once.
            if (Interlocked.Exchange(ref _abortCounted, 1) == 0 && e.Reason != AbortReason.Disposed) Stats.Aborted(e.Reason);
            throw;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public void Dispose()
    {
        _host.OnAborted = null;
        _across.OnAborted = null;
        _host.Dispose();
        _across.Dispose();
    }
}
