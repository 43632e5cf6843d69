using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Serialises control messages as JSON with the type's short name as manifest. The list of types is explicit:
/// nothing on the wire can name an arbitrary .NET type.
/// </summary>
public sealed class ControlMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7411;

    static readonly Type[] Types =
    [
        typeof(RegisterTrainer), typeof(RegistrationAccepted), typeof(RegistrationRefused), typeof(WorldFormed),
        typeof(TrainerProgress), typeof(TrainerFinished), typeof(TrainerFailed), typeof(RunEventReport), typeof(StopTraining),
        typeof(AbortWorld), typeof(TrainerLeaving), typeof(CollapseReport), typeof(CollapseDecision),
        // the coordinator's journal
        typeof(Core.Membership.EpochStarted), typeof(Core.Membership.StepCommitted), typeof(Core.Membership.RunEnded),
    ];

    static readonly FrozenDictionary<string, Type> ByManifest = Types.ToFrozenDictionary(t => t.Name);

    // Named floating-point literals: a heartbeat carries no losses (NaN). Without them every heartbeat failed to
    // serialise and was dropped by remoting, so a restarted coordinator never heard the running world's members.
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public override int Identifier => SerializerId;

    public static IReadOnlyList<Type> MessageTypes => Types;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown control message '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"empty {manifest}");
    }

    public override string Manifest(object o) =>
        ByManifest.ContainsKey(o.GetType().Name) ? o.GetType().Name : throw new ArgumentException($"{o.GetType()} is not a control message");
}
