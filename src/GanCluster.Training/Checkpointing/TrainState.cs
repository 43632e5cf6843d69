using System.Text.Json;
using System.Text.Json.Serialization;
using GanCluster.Core.Data;
using GanCluster.Core.Planning;

namespace GanCluster.Training.Checkpointing;

/// <summary>
/// The small, non-tensor part of a trainer's state (state.json in a checkpoint). Randomness is counter-based
/// (see StepRandom), so the seed and the step are the whole RNG state.
/// </summary>
public sealed record TrainState
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Steps completed.</summary>
    public long Step { get; init; }

    public DataPosition Data { get; init; }

    public long ImagesSeen { get; init; }

    public long SkippedNonFiniteD { get; init; }

    public long SkippedNonFiniteG { get; init; }

    public string RngScheme { get; init; } = "counter:splitmix64(seed,step,rank)";

    public long Seed { get; init; }

    public int WorldSize { get; init; } = 1;

    /// <summary>
    /// The training plan's state (GanCluster.Core.Planning.PlanState as JSON): the next step's phase, resolution,
    /// alpha, batch size and learning rates, each policy's internal state, and the decisions pending for the
    /// next step. Null in checkpoints written before plans existed.
    /// </summary>
    public System.Text.Json.Nodes.JsonNode? Plan { get; init; }

    /// <summary>What D trains with beyond the loss (ADA's p and its controller; Training.Augment.DiscriminatorRegime). Null before it existed.</summary>
    public System.Text.Json.Nodes.JsonNode? Regime { get; init; }

    public long SkippedNonFinite => SkippedNonFiniteD + SkippedNonFiniteG;

    public PlanState? ReadPlan() => Plan is null ? null : PlanState.FromJson(Plan.ToJsonString());

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainState FromJson(string json) =>
        JsonSerializer.Deserialize<TrainState>(json, Json) ?? throw new InvalidDataException("empty state.json");
}
