using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.TestWorker;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective.Tests;

/// <summary>Runs alone: its tests check that no segment of this process is left in /dev/shm, which a link of another test
/// class running in parallel would otherwise make fail at random.</summary>
[CollectionDefinition(nameof(SharedMemoryLinkTests), DisableParallelization = true)]
public sealed class SharedMemoryLinkCollection;

[Collection(nameof(SharedMemoryLinkTests))]
public class SharedMemoryLinkTests
{
    /// <summary>A negotiated pair over a loopback TCP connection (the offer/answer run at once, as in ConnectAsync).</summary>
    static (SharedMemoryLink Creator, SharedMemoryLink Acceptor) Pair(long capacity = 64 * 1024)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        var offer = Task.Run(() => SharedMemoryLink.Offer(client, 1, true, capacity));
        var answer = SharedMemoryLink.Answer(server, 0, true);
        return (offer.GetAwaiter().GetResult()!, answer!);
    }

    [Fact]
    public async Task Bytes_wrap_round_the_ring_in_both_directions()
    {
        var (a, b) = Pair();
        using (a)
        using (b)
        {
            var payload = TestData.Bytes(3, 300_001);
            var back = new byte[payload.Length];
            var t = Task.Factory.StartNew(() => a.Send(payload), TaskCreationOptions.LongRunning);
            b.Receive(back);
            await t;
            Assert.Equal(payload, back);
            var reply = TestData.Bytes(4, 99_999);
            var got = new byte[reply.Length];
            var u = Task.Factory.StartNew(() => b.Send(reply), TaskCreationOptions.LongRunning);
            a.Receive(got);
            await u;
            Assert.Equal(reply, got);
        }
        Assert.Empty(Directory.EnumerateFiles("/dev/shm", $"gancluster-{Environment.ProcessId}-*"));
    }

    [Fact]
    public void Data_written_before_the_peer_left_is_still_delivered_then_the_link_fails()
    {
        var (a, b) = Pair();
        using (b)
        {
            var payload = TestData.Bytes(5, 60_000); // fits in the ring: Send returns before anyone reads
            a.Send(payload);
            a.Dispose(); // the peer leaves (closed flag, liveness EOF)
            var got = new byte[payload.Length];
            b.Receive(got);
            Assert.Equal(payload, got);
            var e = Assert.Throws<LinkFailedException>(() => b.Receive(new byte[1]));
            Assert.Equal(0, e.PeerRank); // b was answered as the link to rank 0
        }
    }

    [Fact]
    public async Task Receive_add_handles_floats_split_by_the_ring_end_and_odd_offsets()
    {
        var (a, b) = Pair(64 * 1024);
        using (a)
        using (b)
        {
            for (int round = 0; round < 5; round++)
            {
                a.Send(new byte[3 + round]); // shifts the stream off 4-byte alignment
                b.Receive(new byte[3 + round]);
                var x = TestData.Bucket(0, round, 10_007);
                var acc = TestData.Bucket(1, round, 10_007);
                var expected = acc.Select((v, i) => v + x[i]).ToArray();
                var t = Task.Factory.StartNew(() => a.Send(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan())),
                    TaskCreationOptions.LongRunning);
                b.ReceiveAdd(acc);
                await t;
                Assert.Equal(expected, acc);
            }
        }
    }

    [Fact]
    public async Task A_local_abort_wakes_a_blocked_receiver()
    {
        var (a, b) = Pair();
        using (a)
        using (b)
        {
            var t = Task.Factory.StartNew(() => Assert.Throws<LinkFailedException>(() => b.Receive(new byte[10])), TaskCreationOptions.LongRunning);
            await Task.Delay(100);
            b.Abort();
            await t;
        }
    }
}
