using System.Globalization;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Collapse;

/// <summary>
/// The automatic response (collapse.response): once collapse_suspected has held for <c>window</c> evaluations,
/// roll back to the newest checkpoint taken while the flag was clear and before the flag rose, with the
/// mitigations applied; after <c>max_rollbacks</c> rollbacks, or with no clear checkpoint left, stop.
/// Pure logic: no clocks, no I/O, so the same inputs give the same decision on any process.
/// </summary>
public sealed class CollapseResponder(CollapseResponseSpec spec, CollapseResponseState? state = null) : ICollapseResponder
{
    public CollapseResponseSpec Spec { get; } = spec;

    public CollapseResponseState State { get; private set; } = state ?? CollapseResponseState.Initial;

    public CollapseAction Decide(long step, CollapseFlagState flag, IReadOnlyList<CollapseCheckpoint> checkpoints)
    {
        if (!Spec.Enabled || !flag.Suspected || flag.SuspectedEvaluations < Spec.Window) return new CollapseAction.Continue(step);
        long onset = flag.ChangedAt ?? step;
        string what = string.Create(CultureInfo.InvariantCulture,
            $"collapse suspected since step {onset} ({flag.SuspectedEvaluations} evaluations, last collapse_score {flag.LastScore:F3})");
        if (State.Rollbacks >= Spec.MaxRollbacks)
        {
            return new CollapseAction.Stop(step,
                $"{what}; the run already rolled back {State.Rollbacks} time(s), the most collapse.response.max_rollbacks allows. " +
                "Stopping instead of looping: change the run (learning rates, model, loss) or raise max_rollbacks.");
        }
        var target = checkpoints.Where(c => c.FlagClear && c.Step < onset && c.Step < step).MaxBy(c => c.Step);
        if (target == null)
        {
            return new CollapseAction.Stop(step,
                $"{what}; no committed checkpoint taken while the flag was clear remains before step {onset} to roll back to " +
                "(checkpoint.keep may be too small for checkpoint.every).");
        }
        double scaleG = State.LrGScale, scaleD = State.LrDScale;
        foreach (var m in Spec.Mitigation.OfType<ScaleLrMitigation>())
        {
            scaleG *= m.LrG;
            scaleD *= m.LrD;
        }
        int number = State.Rollbacks + 1;
        State = State with { Rollbacks = number, LrGScale = scaleG, LrDScale = scaleD, LastRollbackAt = step };
        return new CollapseAction.RollBack(step, target.Step, number, Spec.MaxRollbacks, Spec.Mitigation.ToList(), scaleG, scaleD,
            $"{what}; rolling back to {RunLayout.StepName(target.Step)} (rollback {number} of at most {Spec.MaxRollbacks})");
    }

    /// <summary>Replaces the state (resume).</summary>
    public void Restore(CollapseResponseState state) => State = state;
}
