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

    /// <summary>Rescues in place so far (a rescue mitigation with no healthy checkpoint to roll back to).</summary>
    public int Rescues { get; init; }

    /// <summary>The least ADA p the rescue asks for (0: none); above 0, ADA runs even when augment.kind is none.</summary>
    public double RescueP { get; init; }

    /// <summary>The least R1 gamma the rescue asks for (0: the spec's).</summary>
    public double RescueR1Gamma { get; init; }

    /// <summary>The collapse monitor's evaluation count at the last rescue (the rescue's patience counts from it).</summary>
    public long? LastRescueEvaluation { get; init; }

    /// <summary>collapse_score at the last rescue, or at the last check that found the rescue still working.</summary>
    public double? RescueScore { get; init; }

    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, Json)!;

    public static CollapseResponseState FromJson(JsonNode? node) =>
        node == null ? Initial : node.Deserialize<CollapseResponseState>(Json) ?? Initial;

    /// <summary>The later of two states (a resume may find one in a checkpoint and a newer one in the event log).</summary>
    public static CollapseResponseState Latest(CollapseResponseState a, CollapseResponseState b) =>
        b.Rollbacks + b.Rescues > a.Rollbacks + a.Rescues ? b : a;
}
