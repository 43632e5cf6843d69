using System.Globalization;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// adaptive: a sign controller on lr_d (the StyleGAN2-ADA pattern). The signal (r_t or loss_g - loss_d) is
/// averaged over <c>interval</c> steps; if the mean is above the target, D is too strong and
/// lr_d is multiplied by exp(-speed); below it, by exp(+speed). The output stays in [min_lr_d, max_lr_d]; the
/// accumulated adjustment is clamped to that range too (no wind-up while pinned at a bound).
/// </summary>
public sealed class AdaptivePolicy(AdaptivePolicySpec spec) : Policy
{
    public override string Kind => "adaptive";

    public AdaptivePolicySpec Spec { get; } = spec;

    public override PolicyState InitialState { get; } = new AdaptiveState(0, 0, 0);

    public override Controls Apply(PolicyState state, Controls input) =>
        input with { LrD = Math.Clamp(input.LrD * Math.Exp(Expect<AdaptiveState>(state).LogScale), Spec.MinLrD, Spec.MaxLrD) };

    public override (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input)
    {
        var s = Expect<AdaptiveState>(state);
        double value = signals.Get(Spec.Signal);
        if (!double.IsFinite(value)) return (s, null); // nothing measured (a non-finite step): wait for the next
        double sum = s.Sum + value;
        int count = s.Count + 1;
        if (count < Spec.Interval) return (s with { Sum = sum, Count = count }, null);

        double mean = sum / count;
        double error = mean - Spec.Target;
        double log = s.LogScale - Spec.Speed * Math.Sign(error);
        // Anti-windup: the adjustment may not push past the bounds for the rate this policy receives.
        double lo = Math.Log(Spec.MinLrD / input.LrD), hi = Math.Log(Spec.MaxLrD / input.LrD);
        log = Math.Clamp(log, Math.Min(lo, hi), Math.Max(lo, hi));
        var next = new AdaptiveState(log, 0, 0);
        if (Apply(next, input).LrD == Apply(s, input).LrD) return (next, null);
        string name = StepSignals.Name(Spec.Signal);
        string reason = $"mean {name} over {count} steps {(error > 0 ? "above" : "below")} target " +
                        Spec.Target.ToString("R", CultureInfo.InvariantCulture);
        return (next, new Trigger(name, mean, reason));
    }
}
