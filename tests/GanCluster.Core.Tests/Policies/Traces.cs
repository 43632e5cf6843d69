using GanCluster.Core.Policies;

namespace GanCluster.Core.Tests.Policies;

/// <summary>Synthetic statistic traces: what a policy would see, without tensors.</summary>
public static class Traces
{
    public static StepSignals Signals(long step, double lossD = 1.0, double lossG = 1.0, double realSign = 0.5) =>
        new(step, lossD, lossG, 0.5, 0.5, realSign);

    /// <summary>Drives one policy through <paramref name="signals"/>; returns the controls of every step and the triggers.</summary>
    public static (List<Controls> Controls, List<(long Step, Trigger Trigger)> Triggers, PolicyState Final) Run(
        Policy policy, Controls scheduled, IEnumerable<StepSignals> signals, PolicyState? start = null)
    {
        var state = start ?? policy.InitialState;
        var controls = new List<Controls>();
        var triggers = new List<(long, Trigger)>();
        foreach (var s in signals)
        {
            controls.Add(policy.Apply(state, scheduled));
            (state, var trigger) = policy.Observe(state, s, scheduled);
            if (trigger != null) triggers.Add((s.Step, trigger));
        }
        return (controls, triggers, state);
    }

    /// <summary>A reproducible random walk in [lo, hi].</summary>
    public static IEnumerable<double> Walk(ulong seed, int count, double lo, double hi, double stepSize)
    {
        var rng = new GanCluster.Core.Data.SplitMix64(seed);
        double x = lo + (hi - lo) * rng.NextDouble();
        for (int i = 0; i < count; i++)
        {
            yield return x;
            x = Math.Clamp(x + (rng.NextDouble() * 2 - 1) * stepSize, lo, hi);
        }
    }
}
