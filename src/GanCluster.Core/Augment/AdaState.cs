using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanCluster.Core.Augment;

/// <summary>
/// The ADA controller's state: the probability p in use and the r_t sum of the interval in progress. Small and
/// serialisable: it goes into state.json (exact resume) and is the same on every rank (it is fed all-reduced numbers).
/// </summary>
public sealed record AdaState
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The probability each op is applied to each image with.</summary>
    public double P { get; init; }

    /// <summary>Sum of the per-step r_t = E[sign(D(real))] since the last adjustment.</summary>
    public double SignSum { get; init; }

    /// <summary>Steps summed in <see cref="SignSum"/>.</summary>
    public int Steps { get; init; }

    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, Json)!;

    public static AdaState? FromJson(JsonNode? node) => node?.Deserialize<AdaState>(Json);
}
