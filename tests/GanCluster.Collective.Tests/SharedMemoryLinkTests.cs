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

    /// <summary>A socket pair over loopback: (the test, acting as the offering peer; the side under test).</summary>
    static (Socket Peer, Socket Mine) Sockets()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        peer.Connect(listener.LocalEndPoint!);
        return (peer, listener.Accept());
    }

    [Theory]
    [InlineData(1L << 62)]          // 2 x capacity overflows to a negative size, which passed the old size check
    [InlineData(-4096L)]
    [InlineData(3L << 40)]          // far past the file
    public void An_offer_whose_header_claims_an_impossible_capacity_is_declined_for_tcp(long capacity)
    {
        var (peer, mine) = Sockets();
        using var _ = peer;
        using var __ = mine;
        string path = $"/dev/shm/gancluster-test-{Guid.NewGuid():N}";
        var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var file = new byte[8192 + 2 * 4096];
        "GCSM"u8.CopyTo(file);
        BitConverter.TryWriteBytes(file.AsSpan(4), 1);
        BitConverter.TryWriteBytes(file.AsSpan(8), capacity);
        nonce.CopyTo(file, 16);
        File.WriteAllBytes(path, file);
        try
        {
            var name = System.Text.Encoding.UTF8.GetBytes(path);
            peer.Send([1, (byte)name.Length, (byte)(name.Length >> 8), .. name, .. nonce]);
            Assert.Null(SharedMemoryLink.Answer(mine, 1, true));
            var reply = new byte[1];
            Assert.Equal(1, peer.Receive(reply));
            Assert.Equal(0, reply[0]); // declined: the connection carries on over TCP
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0, 10L * 64 * 1024)]   // the peer claims to have written ten rings' worth
    [InlineData(0, -1L)]               // a write counter that went backwards
    public async Task A_peer_that_scribbles_an_impossible_counter_fails_the_link_instead_of_feeding_garbage(int direction, long head)
    {
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        a.Send([1, 2, 3]);
        var first = new byte[3];
        b.Receive(first);
        Assert.Equal([1, 2, 3], first);
        a.PeerWritesControl(direction, offset: 0, head); // direction 0: a -> b; its head is what b reads
        // Bounded: a receiver that trusted a counter gone backwards would wait forever.
        var receive = Task.Factory.StartNew(() => b.Receive(new byte[3]), TaskCreationOptions.LongRunning);
        var e = await Assert.ThrowsAsync<LinkFailedException>(() => receive.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("impossible", e.Message);
    }

    [Fact]
    public void A_peer_that_claims_to_have_read_more_than_was_written_fails_the_sender()
    {
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        a.Send([1, 2, 3]);
        b.PeerWritesControl(0, offset: 64, 1_000); // the tail of a -> b, which b owns: 1000 bytes read of 3 written
        Assert.Throws<LinkFailedException>(() => a.Send([4]));
    }
}
