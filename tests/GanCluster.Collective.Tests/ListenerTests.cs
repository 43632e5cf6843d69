using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.Internal;

namespace GanCluster.Collective.Tests;

/// <summary>The handshake as an intruder, a stale peer or a stranger would meet it.</summary>
public class ListenerTests
{
    /// <summary>
    /// Runs the handshake by hand as a client holding <paramref name="token"/> (null: sends <paramref name="raw"/>
    /// instead of a hello). Returns the refusal (None: accepted), BadMagic when closed without a word.
    /// </summary>
    static RefusalReason Knock(DataPlaneListener listener, RunToken? token, long epoch = 1, Action<Memory<byte>>? raw = null,
        bool forgeProof = false)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(new IPEndPoint(IPAddress.Loopback, listener.Port));
        s.ReceiveTimeout = 30_000;
        var hello = new byte[Handshake.HelloSize];
        if (token != null) Handshake.WriteHello(hello, new Handshake.Keys(token), ChannelKind.Ring, epoch, 0, 1, 0);
        raw?.Invoke(hello);
        s.Send(hello);
        var challenge = new byte[Handshake.ChallengeSize];
        if (!TryReceive(s, challenge)) return RefusalReason.BadMagic; // closed without a reply
        if (challenge[4] != 0) return (RefusalReason)challenge[4];
        var proof = new byte[Handshake.ProofSize];
        if (forgeProof) Random.Shared.NextBytes(proof);
        else Handshake.ComputeProof(new Handshake.Keys(token!), hello, challenge, proof);
        s.Send(proof);
        var reply = new byte[Handshake.ReplySize];
        if (!TryReceive(s, reply)) return RefusalReason.BadMagic;
        return (RefusalReason)reply[4];
    }

    static bool TryReceive(Socket s, byte[] into)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n = s.Receive(into, got, into.Length - got, SocketFlags.None);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }

    static void WaitFor(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < until) Thread.Sleep(10);
    }

    [Fact]
    public void Another_runs_peer_is_refused_and_counted()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(RefusalReason.BadToken, Knock(listener, RunToken.New()));
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.BadToken) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.BadToken));
    }

    [Fact]
    public void A_client_that_copies_the_run_id_but_cannot_prove_the_token_is_refused()
    {
        // Everything of the hello is public (a sniffer sees it); only the proof needs the token.
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(RefusalReason.BadToken, Knock(listener, token, forgeProof: true));
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.BadToken) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.BadToken));
    }

    [Fact]
    public void Neither_the_token_nor_its_hash_is_on_the_wire()
    {
        var token = RunToken.FromSecret("s3cret");
        var hello = new byte[Handshake.HelloSize];
        Handshake.WriteHello(hello, new Handshake.Keys(token), ChannelKind.Ring, 5, 0, 1, 0);
        var challenge = new byte[Handshake.ChallengeSize];
        Handshake.WriteChallenge(challenge, RefusalReason.None, 5);
        var proof = new byte[Handshake.ProofSize];
        Handshake.ComputeProof(new Handshake.Keys(token), hello, challenge, proof);
        var wire = hello.Concat(challenge).Concat(proof).ToArray();
        Assert.Equal(-1, wire.AsSpan().IndexOf(token.Bytes[..8])); // RunToken bytes = SHA-256 of the secret: the old hello carried them
        Assert.Equal(-1, wire.AsSpan().IndexOf(System.Security.Cryptography.SHA256.HashData(token.Bytes).AsSpan(0, 8)));
        // A proof is bound to the listener's fresh nonce: replaying it against another challenge fails.
        var other = new byte[Handshake.ChallengeSize];
        Handshake.WriteChallenge(other, RefusalReason.None, 5);
        Assert.False(Handshake.VerifyProof(new Handshake.Keys(token), hello, other, proof));
        Assert.True(Handshake.VerifyProof(new Handshake.Keys(token), hello, challenge, proof));
    }

    [Fact]
    public void Older_epoch_is_fenced_and_counted()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Fence(7);
        Assert.Equal(RefusalReason.StaleEpoch, Knock(listener, token, epoch: 6));
        WaitFor(() => listener.Stats.FencedPeers == 1);
        Assert.Equal(1, listener.Stats.FencedPeers);
    }

    [Fact]
    public void Garbage_is_dropped_without_a_reply()
    {
        using var listener = DataPlaneListener.Start(RunToken.New(), new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(RefusalReason.BadMagic, Knock(listener, null, raw: b => "GET / HTTP/1.1\r\n"u8.CopyTo(b.Span)));
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.BadMagic) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.BadMagic));
    }

    [Fact]
    public async Task A_waiting_connection_from_an_older_world_is_dropped_when_the_listener_moves_on()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var knock = Task.Run(() => Knock(listener, token, epoch: 3));
        await Task.Delay(200); // it is now held, waiting to be claimed by a world of epoch 3
        listener.Fence(4);
        Assert.Equal(RefusalReason.StaleEpoch, await knock.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void One_deadline_covers_the_whole_handshake_however_slowly_the_bytes_trickle_in()
    {
        // One byte a second would have kept a per-read timeout of 2 s happy for the whole 64-byte hello (a minute).
        using var listener = DataPlaneListener.Start(RunToken.New(), new IPEndPoint(IPAddress.Loopback, 0), handshakeTimeout: TimeSpan.FromSeconds(2));
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(new IPEndPoint(IPAddress.Loopback, listener.Port));
        int sent = 0;
        try
        {
            for (; sent < Handshake.HelloSize; sent++)
            {
                s.Send("G"u8);
                if (s.Poll(1_000_000, SelectMode.SelectRead) && s.Receive(new byte[1]) == 0) break; // closed by the listener
            }
        }
        catch (SocketException) { } // reset by the listener
        Assert.True(sent < Handshake.HelloSize / 2, $"the listener kept a trickling connection for {sent} bytes");
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.Timeout) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.Timeout));
    }

    [Fact]
    public async Task Unauthenticated_connections_are_capped_and_the_oldest_make_room_for_a_genuine_peer()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0), handshakeTimeout: TimeSpan.FromMinutes(5));
        using var peer = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var silent = new List<Socket>();
        try
        {
            for (int i = 0; i < DataPlaneListener.MaxUnauthenticated + 36; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(new IPEndPoint(IPAddress.Loopback, listener.Port));
                silent.Add(s);
            }
            WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.Overloaded) == 36);
            Assert.Equal(36, listener.Stats.RefusedConnections(RefusalReason.Overloaded));
            Assert.Equal(DataPlaneListener.MaxUnauthenticated, listener.Unauthenticated);

            // A genuine peer still gets in: it is the newest, and its handshake takes a moment.
            var world = new WorldDescriptor(1, token, [$"127.0.0.1:{listener.Port}", $"127.0.0.1:{peer.Port}"]);
            var options = new RingOptions { ConnectTimeout = TimeSpan.FromSeconds(60) };
            var connecting = new[] { RingCollective.ConnectAsync(world, 0, listener, options), RingCollective.ConnectAsync(world, 1, peer, options) };
            var rings = await Task.WhenAll(connecting);
            var a = new float[] { 1 };
            var b = new float[] { 2 };
            await Task.WhenAll(Task.Run(() => rings[0].AllReduceSum(a)), Task.Run(() => rings[1].AllReduceSum(b)));
            Assert.Equal(3f, a[0]);
            foreach (var r in rings) r.Dispose();
        }
        finally
        {
            foreach (var s in silent) s.Dispose();
        }
    }

    [Fact]
    public async Task Connect_and_close_probes_are_neither_refusals_nor_held_and_a_genuine_peer_still_gets_in()
    {
        // A liveness referee (the coordinator's data-plane probe) opens a plain TCP connection and closes it at once,
        // some with a reset: no refusal is counted (nothing to alert on), none stays in the handshake, peers connect.
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        using var peer = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        for (int i = 0; i < 3 * DataPlaneListener.MaxUnauthenticated; i++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Connect(new IPEndPoint(IPAddress.Loopback, listener.Port));
            if (i % 2 == 0) probe.LingerState = new LingerOption(true, 0); // closed with a reset
        }
        WaitFor(() => listener.Unauthenticated == 0);
        Assert.Equal(0, listener.Unauthenticated);
        Assert.Equal(0, listener.Stats.RefusedConnectionsTotal);

        var world = new WorldDescriptor(1, token, [$"127.0.0.1:{listener.Port}", $"127.0.0.1:{peer.Port}"]);
        var options = new RingOptions { ConnectTimeout = TimeSpan.FromSeconds(60) };
        var rings = await Task.WhenAll(RingCollective.ConnectAsync(world, 0, listener, options), RingCollective.ConnectAsync(world, 1, peer, options));
        var a = new float[] { 1 };
        var b = new float[] { 2 };
        await Task.WhenAll(Task.Run(() => rings[0].AllReduceSum(a)), Task.Run(() => rings[1].AllReduceSum(b)));
        Assert.Equal(3f, a[0]);
        foreach (var r in rings) r.Dispose();
    }

    [Fact]
    public void An_epoch_far_ahead_of_the_fence_is_not_let_in_and_a_peer_retries_until_the_listener_catches_up()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Fence(3);
        Assert.Equal(RefusalReason.FutureEpoch, Knock(listener, token, epoch: 3 + DataPlaneListener.MaxEpochLead + 1));
        Assert.Equal(RefusalReason.FutureEpoch, Knock(listener, token, epoch: long.MaxValue));
        Assert.Equal(2, listener.Stats.RefusedConnections(RefusalReason.FutureEpoch));
    }

    [Fact]
    public async Task A_connecting_peer_waits_for_a_listener_that_has_not_entered_its_world_yet()
    {
        var token = RunToken.New();
        using var listener0 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        using var listener1 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        listener1.Fence(1); // rank 1 was last in world 1; the world being formed is 40
        var world = new WorldDescriptor(40, token, [$"127.0.0.1:{listener0.Port}", $"127.0.0.1:{listener1.Port}"]);
        var options = new RingOptions { ConnectTimeout = TimeSpan.FromSeconds(60) };
        var rank0 = RingCollective.ConnectAsync(world, 0, listener0, options);
        WaitFor(() => listener1.Stats.RefusedConnections(RefusalReason.FutureEpoch) > 0);
        Assert.True(listener1.Stats.RefusedConnections(RefusalReason.FutureEpoch) > 0);
        using var ring1 = await RingCollective.ConnectAsync(world, 1, listener1, options); // hears of the world: fences at 40
        using var ring0 = await rank0;
        var data = new float[] { 1, 2 };
        var other = new float[] { 3, 4 };
        await Task.WhenAll(Task.Run(() => ring0.AllReduceSum(data)), Task.Run(() => ring1.AllReduceSum(other)));
        Assert.Equal([4f, 6f], data);
    }

    [Fact]
    public async Task Connecting_with_another_token_fails_as_refused()
    {
        var listener0 = DataPlaneListener.Start(RunToken.New(), new IPEndPoint(IPAddress.Loopback, 0));
        var otherToken = RunToken.New();
        using var listener1 = DataPlaneListener.Start(otherToken, new IPEndPoint(IPAddress.Loopback, 0));
        var world = new WorldDescriptor(1, otherToken, [$"127.0.0.1:{listener0.Port}", $"127.0.0.1:{listener1.Port}"]);
        var options = new RingOptions { ConnectTimeout = TimeSpan.FromSeconds(5) };
        var e = await Assert.ThrowsAsync<CollectiveAbortedException>(() => RingCollective.ConnectAsync(world, 1, listener1, options));
        Assert.Equal(AbortReason.Refused, e.Reason);
        Assert.Equal(RefusalReason.BadToken, e.Refusal);
        Assert.Equal(1, listener0.Stats.RefusedConnections(RefusalReason.BadToken));
        listener0.Dispose();
    }

    [Fact]
    public async Task Connect_gives_up_after_the_timeout_when_a_peer_never_comes()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        int deadPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            deadPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var world = new WorldDescriptor(1, token, [$"127.0.0.1:{listener.Port}", $"127.0.0.1:{deadPort}"]);
        var options = new RingOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
        var e = await Assert.ThrowsAsync<CollectiveAbortedException>(() => RingCollective.ConnectAsync(world, 0, listener, options));
        Assert.Equal(AbortReason.ConnectFailed, e.Reason);
    }

    [Fact]
    public void Endpoints_parse_hosts_ipv4_and_bracketed_ipv6()
    {
        Assert.True(WorldDescriptor.TryParseEndpoint("trainer-0.trainers:7070", out var dns));
        Assert.IsType<DnsEndPoint>(dns);
        Assert.True(WorldDescriptor.TryParseEndpoint("10.0.0.5:1", out var v4));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 1), v4);
        Assert.True(WorldDescriptor.TryParseEndpoint("[::1]:80", out var v6));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 80), v6);
        Assert.False(WorldDescriptor.TryParseEndpoint("nohost", out _));
        Assert.False(WorldDescriptor.TryParseEndpoint("host:0", out _));
        Assert.Throws<ArgumentException>(() => new WorldDescriptor(1, RunToken.New(), ["a:1", "b"]));
    }

    [Fact]
    public void Run_token_round_trips_and_never_prints_itself()
    {
        var t = RunToken.New();
        Assert.Equal(t, RunToken.Parse(t.ToHex()));
        Assert.DoesNotContain(t.ToHex(), t.ToString());
        Assert.NotEqual(t, RunToken.New());
        Assert.Equal(RunToken.FromSecret("s3cret"), RunToken.FromSecret("s3cret"));
    }
}
