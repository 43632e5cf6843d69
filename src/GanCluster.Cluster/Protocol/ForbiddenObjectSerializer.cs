using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using GanCluster.Telemetry;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Takes the place of Akka.NET's default "json" serializer (id 1, bound to System.Object), which would rebuild any
/// .NET type a peer names, e.g. an actor's private messages, without a MAC. Nothing of this program travels that way
/// (control messages have <see cref="ControlMessageSerializer"/>, Akka's own messages their dedicated serializers),
/// so anything arriving under id 1 is refused and counted, and sending an unmapped type fails loudly here.
/// </summary>
public sealed class ForbiddenObjectSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>How Akka creates the serializer named "json" (with its settings section, unused here).</summary>
    public ForbiddenObjectSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : this(system) { }

    /// <summary>The id Akka.NET gives its default JSON serializer: a peer's message names it in its envelope.</summary>
    public override int Identifier => 1;

    public override bool IncludeManifest => true;

    /// <summary>The HOCON that installs it (prepended to the node's configuration).</summary>
    public static string Hocon => $"akka.actor.serializers.json = \"{typeof(ForbiddenObjectSerializer).AssemblyQualifiedName}\"";

    public override byte[] ToBinary(object obj) =>
        throw new NotSupportedException($"{obj.GetType()} has no serializer of its own; only control messages travel between nodes");

    public override object FromBinary(byte[] bytes, Type type)
    {
        ControlPlaneMetrics.Refused(ControlRefusal.UnknownType);
        throw new SerializationException($"refused a message of type {type?.Name ?? "?"} under Akka's default serializer");
    }
}
