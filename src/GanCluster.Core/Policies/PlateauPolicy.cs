using System.Globalization;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// plateau: the monitored statistic is smoothed by an EMA; when it has not improved on its best value by a
/// relative threshold for <c>patience</c> observed steps, both learning rates are multiplied by <c>factor</c>
/// (never below min_lr), and the patience count starts again (PyTorch's ReduceLROnPlateau, per step).
/// </summary>
public sealed class PlateauPolicy(PlateauPolicySpec spec) : Policy
{
    public override string Kind => "plateau";

    public PlateauPolicySpec Spec { get; } = spec;

    public override PolicyState InitialState { get; } = new PlateauState(null, null, 0, 1.0, 0);

    public override Controls Apply(PolicyState state, Controls input)
    {
        double scale = Expect<PlateauState>(state).Scale;
        return input with { LrG = Cut(input.LrG, scale), LrD = Cut(input.LrD, scale) };
    }

    /// <summary>rate x scale, but not below min_lr (a rate already below min_lr is left alone).</summary>
    double Cut(double rate, double scale) => Math.Max(rate * scale, Math.Min(rate, Spec.MinLr));

    public override (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input)
    {
        var s = Expect<PlateauState>(state);
        double x = signals.Get(Spec.Metric);
        if (!double.IsFinite(x)) return (s, null);
        double smoothed = s.Smoothed is { } prev ? Spec.Smoothing * prev + (1 - Spec.Smoothing) * x : x;
        bool improved = s.Best is not { } best || (Spec.Mode == PlateauMode.Min
            ? smoothed < best - Spec.Threshold * Math.Abs(best)
            : smoothed > best + Spec.Threshold * Math.Abs(best));
        var next = improved
            ? s with { Smoothed = smoothed, Best = smoothed, StepsSinceBest = 0 }
            : s with { Smoothed = smoothed, StepsSinceBest = s.StepsSinceBest + 1 };
        if (next.StepsSinceBest < Spec.Patience) return (next, null);

        var cut = next with { Scale = next.Scale * Spec.Factor, Cuts = next.Cuts + 1, StepsSinceBest = 0 };
        if (Apply(cut, input) == Apply(next, input)) return (next with { StepsSinceBest = 0 }, null); // both at min_lr
        string name = StepSignals.Name(Spec.Metric);
        string reason = $"{name} (EMA) did not improve on {next.Best!.Value.ToString("G6", CultureInfo.InvariantCulture)} " +
                        $"for {Spec.Patience} steps";
        return (cut, new Trigger(name, smoothed, reason));
    }
}
