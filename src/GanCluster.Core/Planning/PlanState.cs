using System.Text.Json;
using System.Text.Json.Serialization;
using GanCluster.Core.Policies;

namespace GanCluster.Core.Planning;

/// <summary>
/// The whole state of the training plan after some steps: the plan for the next step, each policy's state,
/// and the decisions that take effect at the next step (written to events.jsonl when it starts). Plain data:
/// checkpointed as JSON (state.json's "plan") and small enough for a control message.
/// </summary>
public sealed record PlanState(StepPlan Next, IReadOnlyList<PolicyState> Policies, IReadOnlyList<Decision> Pending)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        WriteIndented = false,
    };

    /// <summary>Steps completed.</summary>
    [JsonIgnore]
    public long CompletedSteps => Next.Step - 1;

    /// <summary>Images shown so far (all ranks together).</summary>
    [JsonIgnore]
    public long Images => Next.Images;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PlanState FromJson(string json) =>
        JsonSerializer.Deserialize<PlanState>(json, Json) ?? throw new InvalidDataException("empty plan state");
}
