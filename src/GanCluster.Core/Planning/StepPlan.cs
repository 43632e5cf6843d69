using System.Text.Json.Serialization;
using GanCluster.Core.Policies;
using GanCluster.Core.Progressive;

namespace GanCluster.Core.Planning;

/// <summary>
/// Everything step <see cref="Step"/> trains with, decided before it starts: the schedule's phase, resolution,
/// alpha and per-rank batch size at the images shown so far, and the policies' learning rates and D switch.
/// Every replica applies the same StepPlan at the same step.
/// </summary>
/// <param name="Step">The step this plan is for (1-based).</param>
/// <param name="Images">Images shown (all ranks together) before this step.</param>
public sealed record StepPlan(
    long Step,
    long Images,
    int PhaseIndex,
    int Resolution,
    PhaseKind Phase,
    double Alpha,
    int BatchSize,
    double LrG,
    double LrD,
    bool UpdateD)
{
    [JsonIgnore]
    public Controls Controls => new(LrG, LrD, UpdateD);

    [JsonIgnore]
    public string PhaseName => Phase == PhaseKind.FadeIn ? "fade-in" : "stable";
}
