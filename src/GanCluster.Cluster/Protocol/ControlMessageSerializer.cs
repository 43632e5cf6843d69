using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using GanCluster.Telemetry;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Serialises control messages between nodes as JSON with the type's short name as manifest, sealed by a
/// <see cref="ControlEnvelope"/> (a MAC under the run token, a timestamp and a nonce). The list of types is explicit:
/// nothing on the wire can name an arbitrary .NET type. A message that is not sealed with this run's token, is
/// replayed, or is not a control message is refused here, before any actor sees it: counted
/// (<c>gancluster_refused_control_messages_total{reason}</c>) and dropped by Akka remoting, whose association survives
/// (tested in SerializerRefusalTests). The coordinator's journal events have their own, unsealed serializer
/// (<see cref="JournalEventSerializer"/>): they never travel between nodes, and a journal outlives any token rotation.
/// </summary>
public sealed class ControlMessageSerializer(ExtendedActorSystem system, ControlEnvelope envelope) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7412;

    static readonly Type[] Types =
    [
        typeof(RegisterTrainer), typeof(RegistrationAccepted), typeof(RegistrationRefused), typeof(WorldFormed),
        typeof(TrainerProgress), typeof(TrainerFinished), typeof(TrainerFailed), typeof(RunEventReport), typeof(StopTraining),
        typeof(AbortWorld), typeof(TrainerLeaving), typeof(CollapseReport), typeof(CollapseDecision),
    ];

    static readonly FrozenDictionary<string, Type> ByManifest = Types.ToFrozenDictionary(t => t.Name);

    // Named floating-point literals: a heartbeat carries no losses (NaN). Without them every heartbeat failed to
    // serialise and was dropped by remoting, so a restarted coordinator never heard the running world's members.
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public override int Identifier => SerializerId;

    public static IReadOnlyList<Type> MessageTypes => Types;

    public override byte[] ToBinary(object obj) =>
        envelope.Seal(Manifest(obj), JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json));

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var type)) throw Refuse(ControlRefusal.UnknownType, manifest);
        if (envelope.Open(manifest, bytes, out var payload) is { } refusal) throw Refuse(refusal, manifest);
        try
        {
            return JsonSerializer.Deserialize(payload.Span, type, Json) ?? throw Refuse(ControlRefusal.Malformed, manifest);
        }
        catch (JsonException)
        {
            throw Refuse(ControlRefusal.Malformed, manifest); // sealed by a token holder, yet not what the type says
        }
    }

    public override string Manifest(object o) =>
        ByManifest.ContainsKey(o.GetType().Name) ? o.GetType().Name : throw new ArgumentException($"{o.GetType()} is not a control message");

    static SerializationException Refuse(string reason, string manifest)
    {
        ControlPlaneMetrics.Refused(reason);
        return new SerializationException($"control message '{Truncate(manifest)}' refused: {reason}");
    }

    static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
