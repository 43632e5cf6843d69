using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanCluster.Core.Collapse;

/// <summary>
/// The collapse_suspected flag and the counters its hysteresis needs; a small serialisable value
/// (checkpoint manifests carry it, a coordinator can persist it).
/// </summary>
public sealed record CollapseFlagState
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static readonly CollapseFlagState Initial = new();

    public bool Suspected { get; init; }

    /// <summary>Consecutive evaluations at or above the raise threshold while the flag is clear.</summary>
    public int Above { get; init; }

    /// <summary>Consecutive evaluations at or below the clear threshold while the flag is set.</summary>
    public int Below { get; init; }

    /// <summary>Evaluations since (and including) the one that raised the flag; 0 while clear.</summary>
    public int SuspectedEvaluations { get; init; }

    /// <summary>The step of the evaluation that last raised or cleared the flag.</summary>
    public long? ChangedAt { get; init; }

    /// <summary>Evaluations the hysteresis has seen (those inside the warm-up included).</summary>
    public long Evaluations { get; init; }

    public long? LastStep { get; init; }

    public double? LastScore { get; init; }

    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, Json)!;

    public static CollapseFlagState FromJson(JsonNode? node) =>
        node == null ? Initial : node.Deserialize<CollapseFlagState>(Json) ?? Initial;
}
