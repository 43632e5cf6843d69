using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using GanCluster.Core.Membership;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// The coordinator's journal events (Akka.Persistence) as JSON with the type's short name as manifest. Unsealed:
/// they are written to the coordinator's own database, never sent to another node. Keeps the serializer id the
/// control messages had before they were sealed, so journals of earlier runs still replay.
/// </summary>
public sealed class JournalEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7411;

    static readonly Type[] Types = [typeof(EpochStarted), typeof(StepCommitted), typeof(RunEnded)];

    static readonly FrozenDictionary<string, Type> ByManifest = Types.ToFrozenDictionary(t => t.Name);

    public override int Identifier => SerializerId;

    public static IReadOnlyList<Type> EventTypes => Types;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), ControlMessageSerializer.Json);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown journal event '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, ControlMessageSerializer.Json) ?? throw new SerializationException($"empty {manifest}");
    }

    public override string Manifest(object o) =>
        ByManifest.ContainsKey(o.GetType().Name) ? o.GetType().Name : throw new ArgumentException($"{o.GetType()} is not a journal event");
}
