using System.Net;
using System.Net.Sockets;
using GanCluster.Collective.Internal;

namespace GanCluster.Collective.Tests;

/// <summary>The handshake as an intruder, a stale peer or a stranger would meet it.</summary>
public class ListenerTests
{
    static RefusalReason Knock(DataPlaneListener listener, Action<Memory<byte>> hello)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(new IPEndPoint(IPAddress.Loopback, listener.Port));
        s.ReceiveTimeout = 10_000;
        var b = new byte[Handshake.HelloSize];
        hello(b);
        s.Send(b);
        var reply = new byte[Handshake.ReplySize];
        int got = 0;
        while (got < reply.Length)
        {
            int n = s.Receive(reply, got, reply.Length - got, SocketFlags.None);
            if (n == 0) return RefusalReason.BadMagic; // closed without a reply
            got += n;
        }
        return (RefusalReason)reply[4];
    }

    static void WaitFor(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < until) Thread.Sleep(10);
    }

    [Fact]
    public void Wrong_token_is_refused_and_counted()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var reason = Knock(listener, b => Handshake.WriteHello(b.Span, RunToken.New(), ChannelKind.Ring, 1, 0, 1, 0));
        Assert.Equal(RefusalReason.BadToken, reason);
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.BadToken) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.BadToken));
    }

    [Fact]
    public void Older_epoch_is_fenced_and_counted()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Fence(7);
        var reason = Knock(listener, b => Handshake.WriteHello(b.Span, token, ChannelKind.Ring, 6, 0, 1, 0));
        Assert.Equal(RefusalReason.StaleEpoch, reason);
        WaitFor(() => listener.Stats.FencedPeers == 1);
        Assert.Equal(1, listener.Stats.FencedPeers);
    }

    [Fact]
    public void Garbage_is_dropped_without_a_reply()
    {
        using var listener = DataPlaneListener.Start(RunToken.New(), new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(RefusalReason.BadMagic, Knock(listener, b => "GET / HTTP/1.1\r\n"u8.CopyTo(b.Span)));
        WaitFor(() => listener.Stats.RefusedConnections(RefusalReason.BadMagic) == 1);
        Assert.Equal(1, listener.Stats.RefusedConnections(RefusalReason.BadMagic));
    }

    [Fact]
    public async Task A_waiting_connection_from_an_older_world_is_dropped_when_the_listener_moves_on()
    {
        var token = RunToken.New();
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
        var knock = Task.Run(() => Knock(listener, b => Handshake.WriteHello(b.Span, token, ChannelKind.Ring, 3, 0, 1, 0)));
        await Task.Delay(200); // it is now held, waiting to be claimed by a world of epoch 3
        listener.Fence(4);
        Assert.Equal(RefusalReason.StaleEpoch, await knock.WaitAsync(TimeSpan.FromSeconds(30)));
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
