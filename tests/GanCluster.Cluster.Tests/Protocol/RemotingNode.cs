using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Serialization;
using GanCluster.Cluster.Protocol;
using GanCluster.Collective;

namespace GanCluster.Cluster.Tests.Protocol;

/// <summary>
/// A bare Akka.NET remoting system on loopback (no cluster) that seals control messages with <c>token</c>: a run's
/// node as far as the control serializer goes, or, with another token, a process outside the run.
/// </summary>
internal static class RemotingNode
{
    /// <param name="asInTheCluster">install what the cluster's nodes install (Akka's default serializer refused)</param>
    public static ActorSystem Start(RunToken token, bool asInTheCluster = true)
    {
        var envelope = new ControlEnvelope(token);
        var serialization = SerializationSetup.Create(system => ImmutableHashSet.Create(SerializerDetails.Create("gancluster-control",
            new ControlMessageSerializer(system, envelope), ControlMessageSerializer.MessageTypes.ToImmutableHashSet())));
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            """);
        if (asInTheCluster) config = ConfigurationFactory.ParseString(ForbiddenObjectSerializer.Hocon).WithFallback(config);
        return ActorSystem.Create("gancluster", BootstrapSetup.Create().WithConfig(config).And(serialization));
    }
}
