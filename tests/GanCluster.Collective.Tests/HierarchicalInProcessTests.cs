using GanCluster.Collective.TestWorker;
using GanCluster.Core.Spec;

namespace GanCluster.Collective.Tests;

/// <summary>The hierarchical schedule with several ranks per "host" (127.0.0.1, 127.0.0.2, ...) as threads of this process.</summary>
public class HierarchicalInProcessTests
{
    static float[][] AllReduce(HostsWorld w, int count, int bucket = 0)
    {
        var data = Enumerable.Range(0, w.Ranks.Length).Select(r => TestData.Bucket(r, bucket, count)).ToArray();
        w.OnEveryRank((r, c) => c.AllReduceSum(data[r]));
        return data;
    }

    [Theory]
    [InlineData(2, 2, true, true)]
    [InlineData(2, 2, false, false)]
    [InlineData(3, 2, true, false)]
    [InlineData(2, 3, true, true)]
    [InlineData(2, 4, false, true)]
    [InlineData(1, 3, true, true)] // one host: the host ring alone
    [InlineData(3, 1, true, false)] // one rank per host: the ring across hosts alone
    public void All_reduce_sums_and_every_rank_has_the_same_bits(int hosts, int perHost, bool bidirectional, bool sharedMemory)
    {
        using var w = new HostsWorld(hosts, perHost, options: new RingOptions
        {
            ChunkBytes = 4096, Bidirectional = bidirectional, SharedMemory = sharedMemory, SharedMemoryBytes = 64 * 1024,
        });
        Assert.All(w.Ranks, c => Assert.IsType<HierarchicalCollective>(c));
        int bucket = 0;
        // Fewer elements than ranks leaves some segments empty; odd counts leave the halves and segments uneven.
        foreach (int count in new[] { 1, 3, 7, 1000, 50_001 })
        {
            var results = AllReduce(w, count, bucket);
            Expect.IdenticalBits(results);
            Expect.SumOfInputs(results[0], hosts * perHost, bucket);
            bucket++;
        }
        Assert.All(w.Ranks, c => Assert.Equal(5, ((HierarchicalCollective)c).Stats.AllReduceCount));
    }

    [Fact]
    public void Ranks_of_a_host_need_not_be_consecutive()
    {
        // Ranks 0 and 2 on host 0, 1 and 3 on host 1: the layout comes from the endpoints, not from rank order.
        using var w = new HostsWorld([2, 2], hostOfRank: r => r % 2);
        var layout = ((HierarchicalCollective)w.Ranks[0]).Layout;
        Assert.Equal([[0, 2], [1, 3]], layout.Hosts.Select(h => h.ToArray()).ToArray());
        var results = AllReduce(w, 10_001);
        Expect.IdenticalBits(results);
        Expect.SumOfInputs(results[0], 4, 0);
    }

    [Fact]
    public void Same_inputs_give_the_same_bits_every_time()
    {
        using var w = new HostsWorld(2, 3);
        var first = AllReduce(w, 12_345);
        var second = AllReduce(w, 12_345);
        Expect.IdenticalBits([first[0], second[0], first[5], second[3]]);
    }

    [Theory]
    [InlineData(WireFormat.BFloat16)]
    [InlineData(WireFormat.Float16)]
    public void Compressed_wire_keeps_every_rank_on_the_same_bits(WireFormat wire)
    {
        using var w = new HostsWorld(3, 2, options: new RingOptions { ChunkBytes = 4096, Wire = wire });
        var results = AllReduce(w, 20_001);
        Expect.IdenticalBits(results);
        Expect.SumOfInputs(results[0], 6, 0, relTolerance: 1.0 / 32);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void Broadcast_copies_the_roots_bytes(int root)
    {
        using var w = new HostsWorld(3, 2);
        var data = Enumerable.Range(0, 6).Select(r => Enumerable.Range(0, 100_003).Select(i => (byte)(i * 7 + r)).ToArray()).ToArray();
        var expected = data[root].ToArray();
        w.OnEveryRank((r, c) => c.Broadcast(data[r], root));
        Assert.All(data, d => Assert.Equal(expected, d));
        // The rings stay aligned: an all-reduce after the broadcast still agrees.
        var results = AllReduce(w, 999);
        Expect.IdenticalBits(results);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(1, true)]
    public void A_rank_that_goes_away_aborts_the_operation_on_every_rank(int lost, bool midOperation)
    {
        // 3 hosts x 2 ranks. Without the two rings aborting each other, ranks whose rings do not touch the lost rank wait
        // on a partner that has already given up and time out after the operation timeout instead of aborting.
        using var w = new HostsWorld(3, 2, options: new RingOptions
        {
            ChunkBytes = 4096, SharedMemoryBytes = 64 * 1024, OperationTimeout = TimeSpan.FromSeconds(60),
        });
        const int count = 2_000_000;
        var errors = new Exception?[w.Ranks.Length];
        w.OnEveryRank((r, c) =>
        {
            if (r == lost && !midOperation)
            {
                c.Dispose();
                return;
            }
            if (r == lost)
            {
                using var kill = new Timer(_ => c.Dispose(), null, 30, Timeout.Infinite);
                errors[r] = Record.Exception(() => { for (int i = 0; i < 1000; i++) c.AllReduceSum(new float[count]); });
                return;
            }
            errors[r] = Record.Exception(() => { for (int i = 0; i < 1000; i++) c.AllReduceSum(new float[count]); });
        });
        for (int r = 0; r < w.Ranks.Length; r++)
        {
            if (r == lost) continue;
            var e = Assert.IsType<CollectiveAbortedException>(errors[r]);
            Assert.NotEqual(AbortReason.Timeout, e.Reason);
            Assert.True(((HierarchicalCollective)w.Ranks[r]).IsFaulted, $"rank {r} should be faulted");
        }
    }

    [Fact]
    public async Task A_refused_ring_gives_up_on_the_other_ring_at_once()
    {
        // Rank 0 of 2 x 2: its host-ring peer (rank 1) listens but never joins; its cross-host peer (rank 2) belongs to
        // another run and refuses. Connecting must fail with the refusal, not wait out the host ring's connect timeout.
        var token = RunToken.New();
        using var me = DataPlaneListener.Start(token, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.1"), 0));
        using var silent = DataPlaneListener.Start(token, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.1"), 0));
        using var stranger = DataPlaneListener.Start(RunToken.New(), new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        var world = new WorldDescriptor(1, token,
            [$"127.0.0.1:{me.Port}", $"127.0.0.1:{silent.Port}", $"127.0.0.2:{stranger.Port}", "127.0.0.2:1"]);
        var e = await Assert.ThrowsAsync<CollectiveAbortedException>(() =>
            HierarchicalCollective.ConnectAsync(world, 0, me, new RingOptions { ConnectTimeout = TimeSpan.FromSeconds(60) }));
        Assert.Equal(AbortReason.Refused, e.Reason);
        Assert.Equal(2, e.PeerRank);
    }

    [Fact]
    public void Uneven_hosts_fall_back_to_the_flat_ring()
    {
        using var w = new HostsWorld([2, 1, 2]);
        Assert.All(w.Ranks, c => Assert.IsType<RingCollective>(c));
        var results = AllReduce(w, 5001);
        Expect.IdenticalBits(results);
        Expect.SumOfInputs(results[0], 5, 0);
    }

    [Fact]
    public async Task The_hierarchical_collective_refuses_uneven_hosts()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var world = new WorldDescriptor(1, token, ["127.0.0.1:1000", "127.0.0.1:1001", "127.0.0.2:1002"]);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => HierarchicalCollective.ConnectAsync(world, 0, listener));
        Assert.Contains("2 host(s) x uneven", e.Message);
    }

    [Fact]
    public void The_ring_schedule_keeps_the_flat_ring_on_several_hosts()
    {
        using var w = new HostsWorld(2, 2, AllReduceSchedule.Ring);
        Assert.All(w.Ranks, c => Assert.IsType<RingCollective>(c));
        var results = AllReduce(w, 777);
        Expect.IdenticalBits(results);
    }
}
