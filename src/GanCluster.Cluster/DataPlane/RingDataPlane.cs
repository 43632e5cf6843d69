using System.Net;
using GanCluster.Cluster.Protocol;
using GanCluster.Collective;
using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.DataPlane;

/// <summary>
/// A trainer's data plane over GanCluster.Collective: a listener bound before registration (its port goes to the
/// coordinator), a collective per world (the flat ring or the hierarchical schedule, <c>cluster.transport.schedule</c>;
/// TCP between hosts, shared memory between same-host neighbours), and peer
/// state transfer on the same listener. The run token authenticates every connection; the epoch fences the past.
/// </summary>
public sealed class RingDataPlane : IDataPlane
{
    readonly DataPlaneListener _listener;
    readonly RunToken _token;
    readonly RingOptions _options;
    readonly AllReduceSchedule _schedule;
    ICollective? _current;

    RingDataPlane(DataPlaneListener listener, RunToken token, string host, RingOptions options, AllReduceSchedule schedule)
    {
        (_listener, _token, Host, _options, _schedule) = (listener, token, host, options, schedule);
    }

    public static RingDataPlane Open(string secret, string bindHost, string advertisedHost, int port, TransportSpec transport)
    {
        var token = RunToken.FromSecret(secret);
        var bind = IPAddress.TryParse(bindHost, out var address) ? address : IPAddress.Any;
        var listener = DataPlaneListener.Start(token, new IPEndPoint(bind, port));
        return new RingDataPlane(listener, token, advertisedHost, Options(transport), transport.Schedule);
    }

    public static RingOptions Options(TransportSpec transport) => RingOptions.Default with
    {
        Wire = transport.Wire switch { WirePrecision.Bf16 => WireFormat.BFloat16, WirePrecision.Fp16 => WireFormat.Float16, _ => WireFormat.Float32 },
        ChunkBytes = transport.ChunkKib * 1024,
        SharedMemory = transport.SharedMemory,
        OperationTimeout = TimeSpan.FromSeconds(transport.OperationTimeoutSeconds),
        ConnectTimeout = TimeSpan.FromSeconds(transport.ConnectTimeoutSeconds),
        TransferStallTimeout = TimeSpan.FromSeconds(transport.OperationTimeoutSeconds),
        LinkTimeout = TimeSpan.FromSeconds(transport.LinkTimeoutSeconds),
    };

    public string Host { get; }

    public int Port => _listener.Port;

    public DataPlaneStats Stats => _listener.Stats;

    WorldDescriptor Describe(WorldFormed world) =>
        new(world.Epoch, _token, world.Members.OrderBy(m => m.Rank).Select(m => $"{m.DataHost}:{m.DataPort}").ToList());

    public ICollective Join(WorldFormed world, int rank, CancellationToken cancel)
    {
        _current?.Dispose(); // the previous world's ring is over
        _current = null;
        if (world.Members.Count == 1) return SingleProcessCollective.Instance;
        // Every rank picks the same schedule: from the same spec and the same endpoints (cluster.transport.schedule).
        var collective = CollectiveSchedule.ConnectAsync(Describe(world), rank, _listener, _schedule, _options, cancel).GetAwaiter().GetResult();
        _current = collective;
        return collective;
    }

    public void Fence(long epoch) => _listener.Fence(epoch);

    public bool IsWorldFailure(Exception error) =>
        error is CollectiveAbortedException or OperationCanceledException or IOException or ObjectDisposedException;

    public int? SuspectRank(Exception error) =>
        error is CollectiveAbortedException { Reason: AbortReason.PeerLost or AbortReason.PeerUnreachable or AbortReason.Timeout } e ? e.PeerRank : null;

    public void SendState(WorldFormed world, int fromRank, int toRank, byte[] state, CancellationToken cancel) =>
        PeerTransfer.SendAsync(Describe(world), fromRank, toRank, state, tag: world.Epoch, _options, _listener.Stats, cancel).GetAwaiter().GetResult();

    public byte[] ReceiveState(WorldFormed world, int myRank, int fromRank, CancellationToken cancel) =>
        PeerTransfer.ReceiveBytesAsync(Describe(world), myRank, fromRank, _listener, tag: world.Epoch, _options, cancel).GetAwaiter().GetResult();

    public void Dispose()
    {
        _current?.Dispose();
        _listener.Dispose();
    }
}
