using System.Text.Json;
using System.Text.Json.Serialization;
using GanCluster.Core.Data;

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

    public long SkippedNonFinite => SkippedNonFiniteD + SkippedNonFiniteG;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainState FromJson(string json) =>
        JsonSerializer.Deserialize<TrainState>(json, Json) ?? throw new InvalidDataException("empty state.json");
}
