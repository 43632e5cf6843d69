using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Planning;

/// <summary>
/// A learning rate changes. <see cref="Source"/> is the policy kind (ttur, adaptive, plateau, ...) or
/// "schedule" (a new resolution with its own progressive.lr); <see cref="Statistic"/> and <see cref="Value"/>
/// are what triggered it.
/// </summary>
public sealed record LearningRateChanged(long Step, string Network, double Old, double New, string Source, string Statistic,
    double Value, string Reason) : Decision(Step)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public override string Kind => EventKind.LrChanged;

    public override JsonObject Details() => new()
    {
        ["network"] = Network,
        ["old"] = Number(Old),
        ["new"] = Number(New),
        ["source"] = Source,
        ["statistic"] = Statistic,
        ["value"] = Number(Value),
        ["reason"] = Reason,
    };
}
