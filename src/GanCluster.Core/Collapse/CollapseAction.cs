using GanCluster.Core.Spec;

namespace GanCluster.Core.Collapse;

/// <summary>
/// What the collapse response decided after an evaluation. Every decision that changes training carries the step
/// at which it takes effect (<see cref="EffectiveStep"/>: after that step completes), so that every replica can
/// apply it at the same step (docs/architecture.md, invariant 2).
/// </summary>
public abstract record CollapseAction(long EffectiveStep)
{
    /// <summary>Nothing to do (<paramref name="Reason"/>: why, when the response chose to wait rather than act).</summary>
    public sealed record Continue(long EffectiveStep, string? Reason = null) : CollapseAction(EffectiveStep);

    /// <summary>
    /// Restore checkpoint <paramref name="ToStep"/> on every replica, then apply <paramref name="Mitigation"/>; the
    /// learning rates become the spec's times <paramref name="LrGScale"/> / <paramref name="LrDScale"/> (factors compound
    /// over rollbacks). <paramref name="Number"/> counts rollbacks in this run (1 for the first).
    /// </summary>
    public sealed record RollBack(long EffectiveStep, long ToStep, int Number, int MaxRollbacks,
        IReadOnlyList<CollapseMitigation> Mitigation, double LrGScale, double LrDScale, string Reason) : CollapseAction(EffectiveStep);

    /// <summary>
    /// Rescue in place (no healthy checkpoint to roll back to): training continues from here with ADA's p at least
    /// <paramref name="P"/> and R1's gamma at least <paramref name="R1Gamma"/> from the next step.
    /// </summary>
    public sealed record Rescue(long EffectiveStep, int Number, int MaxRescues, double P, double R1Gamma, string Reason) : CollapseAction(EffectiveStep);

    /// <summary>Stop the run: collapse persists and the rollback budget is spent (or nothing clear is left to roll back to).</summary>
    public sealed record Stop(long EffectiveStep, string Reason) : CollapseAction(EffectiveStep);
}
