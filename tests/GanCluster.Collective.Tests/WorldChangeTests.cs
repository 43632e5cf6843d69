using System.Net;
using GanCluster.Collective.TestWorker;

namespace GanCluster.Collective.Tests;

/// <summary>The healing flow the cluster layer will drive: a rank fails, the survivors form the next epoch on the
/// same listeners, and the old epoch is fenced.</summary>
public class WorldChangeTests
{
    [Fact]
    public async Task Survivors_form_the_next_epoch_on_the_same_listeners_and_the_old_one_is_fenced()
    {
        var token = RunToken.New();
        var listeners = Enumerable.Range(0, 3).Select(_ => DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
        try
        {
            var endpoints = listeners.Select(l => $"127.0.0.1:{l.Port}").ToArray();
            var world1 = new WorldDescriptor(1, token, endpoints);
            var options = new RingOptions { ChunkBytes = 8192, OperationTimeout = TimeSpan.FromSeconds(30) };
            var ring1 = await Task.WhenAll(Enumerable.Range(0, 3).Select(r => RingCollective.ConnectAsync(world1, r, listeners[r], options)));

            ring1[2].Dispose(); // rank 2 "dies"
            var errors = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Task.Run(() =>
                Record.Exception(() => ring1[r].AllReduceSum(new float[10_000])) as CollectiveAbortedException)));
            Assert.All(errors, e => Assert.Equal(AbortReason.PeerLost, e!.Reason));

            var world2 = new WorldDescriptor(2, token, endpoints[..2]);
            var ring2 = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => RingCollective.ConnectAsync(world2, r, listeners[r], options)));
            var data = Enumerable.Range(0, 2).Select(r => TestData.Bucket(r, 0, 1001)).ToArray();
            await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Task.Run(() => ring2[r].AllReduceSum(data[r]))));
            Expect.IdenticalBits(data);
            Expect.SumOfInputs(data[0], 2, 0);

            // A paused rank 2 that wakes up still in epoch 1 is refused by the survivors.
            var stale = await Assert.ThrowsAsync<CollectiveAbortedException>(() =>
                RingCollective.ConnectAsync(world1, 2, listeners[2], options with { ConnectTimeout = TimeSpan.FromSeconds(5) }));
            Assert.Equal(AbortReason.Refused, stale.Reason);
            Assert.Equal(RefusalReason.StaleEpoch, stale.Refusal);
            Assert.Equal(1, listeners[0].Stats.FencedPeers);

            foreach (var c in ring1.Concat(ring2)) c.Dispose();
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }
}
