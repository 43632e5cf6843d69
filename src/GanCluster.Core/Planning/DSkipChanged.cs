using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Planning;

/// <summary>D's updates stop (<see cref="Skip"/>) or resume from this step on, and why.</summary>
public sealed record DSkipChanged(long Step, bool Skip, string Source, string Statistic, double Value, string Reason) : Decision(Step)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public override string Kind => Skip ? EventKind.DSkipStarted : EventKind.DSkipEnded;

    public override JsonObject Details() => new()
    {
        ["source"] = Source,
        ["statistic"] = Statistic,
        ["value"] = Number(Value),
        ["reason"] = Reason,
    };
}
