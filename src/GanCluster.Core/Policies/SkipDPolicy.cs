using System.Globalization;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// skip-d: after a step whose all-reduced loss_d is below the threshold, the next step does not update D,
/// unless D has already been skipped max_consecutive times in a row (then D is updated, so it cannot starve).
/// D's loss is still measured on a skipped step (forward only), so the rule always sees a fresh value.
/// </summary>
public sealed class SkipDPolicy(SkipDPolicySpec spec) : Policy
{
    public override string Kind => "skip-d";

    public SkipDPolicySpec Spec { get; } = spec;

    public override PolicyState InitialState { get; } = new SkipDState(0, false);

    public override Controls Apply(PolicyState state, Controls input) =>
        Expect<SkipDState>(state).SkipNext ? input with { UpdateD = false } : input;

    public override (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input)
    {
        var s = Expect<SkipDState>(state);
        // The step just observed was skipped by this policy when it said so and D would otherwise have updated.
        int consecutive = s.SkipNext && input.UpdateD ? s.Consecutive + 1 : 0;
        bool below = double.IsFinite(signals.LossD) && signals.LossD < Spec.Threshold;
        bool capped = consecutive >= Spec.MaxConsecutive;
        bool skip = below && !capped;
        var next = new SkipDState(consecutive, skip);
        if (skip == s.SkipNext) return (next, null);
        string threshold = Spec.Threshold.ToString("R", CultureInfo.InvariantCulture);
        string reason = skip ? $"loss_d below {threshold}"
            : below ? $"{Spec.MaxConsecutive} consecutive skips (max_consecutive)"
            : $"loss_d not below {threshold}";
        return (next, new Trigger("loss_d", signals.LossD, reason));
    }
}
