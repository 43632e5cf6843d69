using System.Collections.Concurrent;
using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Collective;
using GanCluster.Telemetry;

namespace GanCluster.Cluster.Tests.Protocol;

/// <summary>
/// How Akka.NET 1.5 remoting treats a message our serializer refuses, with real actor systems over loopback TCP: the
/// message is dropped before any actor sees it, and the association survives (later messages on it still arrive), so
/// a forged message costs the forger nothing but costs the run nothing either.
/// </summary>
public sealed class SerializerRefusalTests : IDisposable
{
    readonly RunToken _runToken = RunToken.New();
    readonly List<ActorSystem> _systems = [];

    sealed class Recorder : ReceiveActor
    {
        public Recorder(BlockingCollection<object> seen) => ReceiveAny(seen.Add);
    }

    /// <summary>Any .NET type a process might want to slip in (stands for an actor's private messages).</summary>
    public sealed record Smuggled(string Payload);

    ActorSystem Node(RunToken token, bool asInTheCluster = true)
    {
        var system = RemotingNode.Start(token, asInTheCluster);
        _systems.Add(system);
        return system;
    }

    static string AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

    static object? Next(BlockingCollection<object> seen) => seen.TryTake(out var m, TimeSpan.FromSeconds(20)) ? m : null;

    [Fact]
    public async Task A_message_sealed_with_another_token_is_dropped_and_the_association_survives()
    {
        var receiver = Node(_runToken);
        var seen = new BlockingCollection<object>();
        receiver.ActorOf(Props.Create(() => new Recorder(seen)), "probe");
        string probePath = $"{AddressOf(receiver)}/user/probe";

        var outsider = Node(RunToken.New()); // another run's (or nobody's) token
        var probe = await outsider.ActorSelection(probePath).ResolveOne(TimeSpan.FromSeconds(20));
        long refusedBefore = ControlPlaneMetrics.RefusedTotal;

        probe.Tell(new StopTraining(ControlProtocol.Version, "forged", Failed: true));
        probe.Tell("after the forged message"); // Akka's own serializer, on the same association
        Assert.Equal("after the forged message", Next(seen)); // the forged one never reached the actor...
        Assert.True(ControlPlaneMetrics.RefusedTotal > refusedBefore); // ...because the serializer refused it

        // The association is still usable for real control messages: a member of the run is heard.
        var member = Node(_runToken);
        var fromMember = await member.ActorSelection(probePath).ResolveOne(TimeSpan.FromSeconds(20));
        fromMember.Tell(new StopTraining(ControlProtocol.Version, "genuine", Failed: false));
        Assert.Equal("genuine", Assert.IsType<StopTraining>(Next(seen)).Reason);
        probe.Tell("the outsider's association is still up");
        Assert.Equal("the outsider's association is still up", Next(seen));
        Assert.Empty(seen);
    }

    [Fact]
    public async Task An_arbitrary_type_under_akkas_default_serializer_is_refused_as_the_cluster_configures_it()
    {
        var receiver = Node(_runToken);
        var seen = new BlockingCollection<object>();
        receiver.ActorOf(Props.Create(() => new Recorder(seen)), "probe");
        var outsider = Node(RunToken.New(), asInTheCluster: false); // Akka's defaults: any type goes out as JSON
        var probe = await outsider.ActorSelection($"{AddressOf(receiver)}/user/probe").ResolveOne(TimeSpan.FromSeconds(20));
        long refusedBefore = ControlPlaneMetrics.RefusedTotal;

        probe.Tell(new Smuggled("an actor's private message"));
        probe.Tell("after the smuggled message");
        Assert.Equal("after the smuggled message", Next(seen));
        Assert.True(ControlPlaneMetrics.RefusedTotal > refusedBefore);
        Assert.Empty(seen);
    }

    public void Dispose()
    {
        foreach (var s in _systems) s.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
