using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Planning;

/// <summary>The networks grow a block: from this step on they train at <see cref="To"/> (fading it in).</summary>
public sealed record ResolutionGrown(long Step, int From, int To, long Images, bool OptimizerReset) : Decision(Step)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public override string Kind => EventKind.ResolutionGrown;

    public override JsonObject Details() => new()
    {
        ["from"] = From,
        ["to"] = To,
        ["images"] = Images,
        ["optimizer_reset"] = OptimizerReset,
    };
}
