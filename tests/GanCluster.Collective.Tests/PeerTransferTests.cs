using System.Net;
using GanCluster.Collective.TestWorker;

namespace GanCluster.Collective.Tests;

public class PeerTransferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 5)]
    public async Task Bytes_arrive_intact(int count)
    {
        var token = RunToken.New();
        using var l0 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        using var l1 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var world = new WorldDescriptor(2, token, [$"127.0.0.1:{l0.Port}", $"127.0.0.1:{l1.Port}"]);
        var payload = TestData.Bytes(1, count);
        var receive = PeerTransfer.ReceiveBytesAsync(world, 1, 0, l1, tag: 42);
        await PeerTransfer.SendAsync(world, 0, 1, payload, tag: 42, stats: l0.Stats);
        Assert.Equal(payload, await receive);
        Assert.Equal(count, l1.Stats.TransferBytesReceived);
        Assert.Equal(count, l0.Stats.TransferBytesSent);
    }

    [Fact]
    public async Task A_receiver_that_waits_for_a_sender_that_never_comes_gives_up()
    {
        var token = RunToken.New();
        using var l1 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var world = new WorldDescriptor(2, token, ["127.0.0.1:1", $"127.0.0.1:{l1.Port}"]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<CollectiveAbortedException>(() => PeerTransfer.ReceiveBytesAsync(world, 1, 0, l1, cancel: cts.Token));
        Assert.Equal(AbortReason.Cancelled, e.Reason);
    }

    [Fact]
    public async Task A_sender_from_an_older_world_is_refused()
    {
        var token = RunToken.New();
        using var l1 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        l1.Fence(5);
        var old = new WorldDescriptor(4, token, ["127.0.0.1:1", $"127.0.0.1:{l1.Port}"]);
        var e = await Assert.ThrowsAsync<CollectiveAbortedException>(() => PeerTransfer.SendAsync(old, 0, 1, new byte[10]));
        Assert.Equal(AbortReason.Refused, e.Reason);
        Assert.Equal(RefusalReason.StaleEpoch, e.Refusal);
    }
}
