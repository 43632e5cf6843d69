using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanCluster.Core.Collapse;

/// <summary>
/// What the collapse response remembers across rollbacks (a rollback restores the trainer's state, never this):
/// rollbacks so far and the compounded learning-rate factors. Serialisable for checkpoints and a coordinator's journal.
/// </summary>
public sealed record CollapseResponseState
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static readonly CollapseResponseState Initial = new();

    public int Rollbacks { get; init; }

    public double LrGScale { get; init; } = 1.0;

    public double LrDScale { get; init; } = 1.0;

    /// <summary>The step at which the last rollback took effect.</summary>
    public long? LastRollbackAt { get; init; }

    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, Json)!;

    public static CollapseResponseState FromJson(JsonNode? node) =>
        node == null ? Initial : node.Deserialize<CollapseResponseState>(Json) ?? Initial;

    /// <summary>The later of two states (a resume may find one in a checkpoint and a newer one in the event log).</summary>
    public static CollapseResponseState Latest(CollapseResponseState a, CollapseResponseState b) => b.Rollbacks > a.Rollbacks ? b : a;
}
