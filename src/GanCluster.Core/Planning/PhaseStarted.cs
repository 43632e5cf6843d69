using System.Text.Json.Nodes;
using GanCluster.Core.Progressive;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Planning;

/// <summary>A schedule phase begins: a fade-in of a new resolution, or the stabilise phase after it.</summary>
public sealed record PhaseStarted(long Step, int Resolution, PhaseKind Phase, double Alpha, int BatchSize, long Images, long PhaseImages)
    : Decision(Step)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public override string Kind => EventKind.PhaseStarted;

    public override JsonObject Details() => new()
    {
        ["resolution"] = Resolution,
        ["phase"] = Phase == PhaseKind.FadeIn ? "fade-in" : "stable",
        ["alpha"] = Number(Alpha),
        ["batch_size"] = BatchSize,
        ["images"] = Images,
        ["phase_images"] = PhaseImages,
    };
}
