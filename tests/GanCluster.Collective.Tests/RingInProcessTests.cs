using GanCluster.Collective.TestWorker;

namespace GanCluster.Collective.Tests;

/// <summary>Several ranks as threads of this process over loopback sockets: fast coverage of the ring.</summary>
public class RingInProcessTests
{
    static float[][] AllReduce(InProcessWorld w, int count, int bucket = 0)
    {
        var data = Enumerable.Range(0, w.Ranks.Length).Select(r => TestData.Bucket(r, bucket, count)).ToArray();
        w.OnEveryRank((r, c) => c.AllReduceSum(data[r]));
        return data;
    }

    [Theory]
    [InlineData(2, true, false)]
    [InlineData(2, false, false)]
    [InlineData(3, true, false)]
    [InlineData(4, false, false)]
    [InlineData(2, true, true)]
    [InlineData(3, true, true)]
    [InlineData(4, false, true)]
    public void All_reduce_sums_and_every_rank_has_the_same_bits(int size, bool bidirectional, bool sharedMemory)
    {
        // A 64 KiB shared ring makes the 50k-float buckets wrap round it many times.
        using var w = new InProcessWorld(size, new RingOptions
        {
            ChunkBytes = 4096, Bidirectional = bidirectional, SharedMemory = sharedMemory, SharedMemoryBytes = 64 * 1024,
        });
        Assert.All(w.Ranks, c => Assert.Equal(sharedMemory ? "shm/shm" : "tcp/tcp", c.Transport));
        int bucket = 0;
        foreach (int count in new[] { 1, 2, 7, 1000, 50_001 })
        {
            var results = AllReduce(w, count, bucket);
            Expect.IdenticalBits(results);
            Expect.SumOfInputs(results[0], size, bucket);
            bucket++;
        }
        Assert.All(w.Ranks, c => Assert.Equal(5, c.Stats.AllReduceCount));
        Assert.All(w.Ranks, c => Assert.True(c.Stats.BytesSent > 0));
    }

    [Fact]
    public void Every_tcp_link_sends_small_chunks_at_once_on_both_sides()
    {
        // The accepting side's socket had Nagle on: a small all-reduce between hosts waited 40 ms for a delayed ACK.
        using var w = new InProcessWorld(3, new RingOptions { SharedMemory = false });
        Assert.All(w.Ranks.SelectMany(c => c.Links), link => Assert.True(Assert.IsType<Transport.TcpLink>(link).NoDelay));
    }

    [Fact]
    public void Shared_memory_and_tcp_ranks_agree_on_tcp()
    {
        using var w = new InProcessWorld(3, perRank: (r, o) => o with { SharedMemory = r != 1 });
        // Rank 0 offers to rank 1, which declines; rank 1 offers nothing to rank 2; rank 2 offers to rank 0, which accepts.
        Assert.Equal("tcp/shm", w.Ranks[0].Transport);
        Assert.Equal("tcp/tcp", w.Ranks[1].Transport);
        Assert.Equal("shm/tcp", w.Ranks[2].Transport);
        var results = AllReduce(w, 10_001);
        Expect.IdenticalBits(results);
        Expect.SumOfInputs(results[0], 3, 0);
    }

    [Fact]
    public void Odd_sized_broadcasts_do_not_misalign_later_all_reduces_on_shared_memory()
    {
        using var w = new InProcessWorld(2, new RingOptions { ChunkBytes = 4096, SharedMemoryBytes = 64 * 1024 });
        for (int round = 0; round < 3; round++)
        {
            var bytes = Enumerable.Range(0, 2).Select(r => r == 0 ? TestData.Bytes(round, 4099 + round) : new byte[4099 + round]).ToArray();
            w.OnEveryRank((r, c) => c.Broadcast(bytes[r], 0));
            Assert.Equal(bytes[0], bytes[1]);
            var results = AllReduce(w, 70_001, round);
            Expect.IdenticalBits(results);
            Expect.SumOfInputs(results[0], 2, round);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bytes_sent_before_a_peer_leaves_are_still_delivered(bool sharedMemory)
    {
        // The root's broadcast completes once its last bytes are in the link; it then leaves at once, while the
        // receiver may still have a ring's worth of data to read. That data must arrive, as TCP delivers it before FIN.
        for (int round = 0; round < 3; round++)
        {
            using var w = new InProcessWorld(2, new RingOptions { ChunkBytes = 4096, SharedMemory = sharedMemory, SharedMemoryBytes = 64 * 1024 });
            var sent = TestData.Bytes(round, 1_000_003);
            var received = new byte[sent.Length];
            var receiver = Task.Factory.StartNew(() => w.Ranks[1].Broadcast(received, 0), TaskCreationOptions.LongRunning);
            w.Ranks[0].Broadcast(sent, 0);
            w.Ranks[0].Dispose();
            await receiver.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(sent, received);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_world_stays_usable_after_idling_longer_than_the_connect_timeout(bool sharedMemory)
    {
        // The connect timeout bounds the negotiation only; it must not linger on the sockets afterwards.
        // (2 s, not less: forming the world itself must fit in it on a loaded machine)
        using var w = new InProcessWorld(2, new RingOptions { SharedMemory = sharedMemory, ConnectTimeout = TimeSpan.FromSeconds(2) });
        await Task.Delay(2500);
        var results = AllReduce(w, 1000);
        Expect.IdenticalBits(results);
    }

    [Fact]
    public void Same_inputs_give_the_same_bits_every_time()
    {
        using var w = new InProcessWorld(3);
        var first = AllReduce(w, 12_345);
        var second = AllReduce(w, 12_345);
        Expect.IdenticalBits([first[0], second[0], first[2], second[1]]);
    }

    [Theory]
    [InlineData(WireFormat.BFloat16, 1.0 / 32, 1.0 / 256)]
    [InlineData(WireFormat.Float16, 1.0 / 256, 1.0 / 2048)]
    public void Compressed_wire_stays_within_its_error_bound_and_deterministic(WireFormat wire, double maxRel, double meanRel)
    {
        const int size = 3, count = 20_000;
        using var w = new InProcessWorld(size, new RingOptions { ChunkBytes = 4096, Wire = wire });
        var results = AllReduce(w, count);
        Expect.IdenticalBits(results);
        // Relative to the sum of magnitudes (the error scale of a sum with cancellation).
        double max = 0, mean = 0;
        for (int i = 0; i < count; i++)
        {
            double sum = 0, mag = 0;
            for (int r = 0; r < size; r++)
            {
                sum += TestData.Value(r, 0, i);
                mag += Math.Abs(TestData.Value(r, 0, i));
            }
            double rel = Math.Abs(results[0][i] - sum) / mag;
            max = Math.Max(max, rel);
            mean += rel / count;
        }
        Assert.True(max < maxRel, $"max relative error {max:G3} (bound {maxRel:G3})");
        Assert.True(mean < meanRel, $"mean relative error {mean:G3} (bound {meanRel:G3})");
        Assert.True(max > 0, "a 16-bit wire should lose something");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Broadcast_copies_the_roots_bytes(int root)
    {
        using var w = new InProcessWorld(3);
        var data = Enumerable.Range(0, 3).Select(r => r == root ? TestData.Bytes(5, 100_003) : new byte[100_003]).ToArray();
        w.OnEveryRank((r, c) => c.Broadcast(data[r], root));
        Assert.All(data, d => Assert.Equal(TestData.Bytes(5, 100_003), d));
    }

    [Fact]
    public void World_of_one_touches_no_socket()
    {
        using var w = new InProcessWorld(1);
        var data = TestData.Bucket(0, 0, 10);
        w.Ranks[0].AllReduceSum(data);
        w.Ranks[0].Broadcast(new byte[3], 0);
        Assert.Equal(TestData.Bucket(0, 0, 10), data);
        Assert.Equal(0, w.Ranks[0].Stats.BytesSent);
    }

    [Fact]
    public void Mismatched_calls_abort_both_ranks_instead_of_corrupting()
    {
        using var w = new InProcessWorld(2);
        var errors = new CollectiveAbortedException?[2];
        w.OnEveryRank((r, c) => errors[r] = Record.Exception(() => c.AllReduceSum(new float[10 + r])) as CollectiveAbortedException);
        Assert.All(errors, e => Assert.NotNull(e));
        Assert.Contains(errors, e => e!.Reason == AbortReason.ProtocolMismatch);
        Assert.All(w.Ranks, c => Assert.True(c.IsFaulted));
        // A faulted world keeps refusing work.
        Assert.Throws<CollectiveAbortedException>(() => w.Ranks[0].AllReduceSum(new float[4]));
    }

    [Fact]
    public void Cancellation_aborts_a_waiting_all_reduce_and_the_peer_sees_it()
    {
        using var w = new InProcessWorld(2);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var e = Assert.Throws<CollectiveAbortedException>(() => w.Ranks[0].AllReduceSum(new float[1000], cts.Token));
        Assert.Equal(AbortReason.Cancelled, e.Reason);
        var peer = Assert.Throws<CollectiveAbortedException>(() => w.Ranks[1].AllReduceSum(new float[1000]));
        Assert.Equal(AbortReason.PeerLost, peer.Reason);
        Assert.Equal(0, peer.PeerRank);
    }

    [Fact]
    public void A_silent_peer_makes_the_operation_time_out()
    {
        using var w = new InProcessWorld(2, new RingOptions { OperationTimeout = TimeSpan.FromMilliseconds(300) });
        var e = Assert.Throws<CollectiveAbortedException>(() => w.Ranks[0].AllReduceSum(new float[1000]));
        Assert.Equal(AbortReason.Timeout, e.Reason);
        Assert.Equal(1, w.Ranks[0].Stats.Aborts);
    }

    [Fact]
    public void Disposing_a_rank_is_seen_by_its_neighbours()
    {
        using var w = new InProcessWorld(3);
        w.Ranks[1].Dispose();
        var e = Assert.Throws<CollectiveAbortedException>(() => w.Ranks[0].AllReduceSum(new float[100_000]));
        Assert.Equal(AbortReason.PeerLost, e.Reason);
    }
}
