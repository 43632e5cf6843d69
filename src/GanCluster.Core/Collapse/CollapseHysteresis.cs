namespace GanCluster.Core.Collapse;

/// <summary>
/// The collapse_suspected state machine (see <see cref="CollapseHysteresisOptions"/>). Feed it each evaluation's
/// score in step order; it says when the flag flips. Its <see cref="State"/> can be saved and restored.
/// </summary>
public sealed class CollapseHysteresis(CollapseHysteresisOptions options, CollapseFlagState? state = null)
{
    public CollapseHysteresisOptions Options { get; } = options;

    public CollapseFlagState State { get; private set; } = state ?? CollapseFlagState.Initial;

    public bool Suspected => State.Suspected;

    /// <summary>Counts the evaluation of step <paramref name="step"/>; returns true when the flag flipped.</summary>
    public bool Observe(long step, double score)
    {
        var s = State with { Evaluations = State.Evaluations + 1, LastStep = step, LastScore = score };
        bool flipped = false;
        if (!s.Suspected)
        {
            int above = step >= Options.WarmupSteps && score >= Options.RaiseThreshold ? s.Above + 1 : 0;
            s = s with { Above = above };
            if (above >= Options.RaiseAfter)
            {
                s = s with { Suspected = true, Above = 0, Below = 0, SuspectedEvaluations = 1, ChangedAt = step };
                flipped = true;
            }
        }
        else
        {
            int below = score <= Options.ClearThreshold ? s.Below + 1 : 0;
            s = s with { Below = below, SuspectedEvaluations = s.SuspectedEvaluations + 1 };
            if (below >= Options.ClearAfter)
            {
                s = s with { Suspected = false, Above = 0, Below = 0, SuspectedEvaluations = 0, ChangedAt = step };
                flipped = true;
            }
        }
        State = s;
        return flipped;
    }

    /// <summary>Replaces the state (resume, rollback).</summary>
    public void Restore(CollapseFlagState state) => State = state;
}
