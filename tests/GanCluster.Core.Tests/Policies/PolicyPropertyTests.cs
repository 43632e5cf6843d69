using System.Text.Json;
using GanCluster.Core.Data;
using GanCluster.Core.Planning;
using GanCluster.Core.Policies;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Policies;

/// <summary>
/// Properties over many seeded random traces and random policy settings (a reproducible stand-in for
/// FsCheck: each case prints its seed on failure).
/// </summary>
public class PolicyPropertyTests
{
    const int Cases = 200;

    /// <summary>SplitMix64 as a reference type, so helpers can share one stream.</summary>
    sealed class Rng(ulong seed)
    {
        SplitMix64 _inner = new(seed);

        public double NextDouble() => _inner.NextDouble();

        public int NextInt(int n) => _inner.NextInt(n);
    }

    static StepSignals RandomSignals(Rng rng, long step)
    {
        double Noise(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        double lossD = rng.NextDouble() < 0.02 ? double.NaN : Noise(0, 2);
        return new StepSignals(step, lossD, Noise(0, 4), Noise(0, 1), Noise(0, 1), Noise(-1, 1));
    }

    [Fact]
    public void Adaptive_keeps_lr_d_within_its_bounds()
    {
        for (ulong seed = 1; seed <= Cases; seed++)
        {
            var rng = new Rng(seed);
            double min = Math.Pow(10, -6 + 2 * rng.NextDouble()), max = min * (1 + 100 * rng.NextDouble());
            var spec = new AdaptivePolicySpec { Target = rng.NextDouble() * 2 - 1, Speed = rng.NextDouble(), Interval = 1 + rng.NextInt(5), MinLrD = min, MaxLrD = max };
            var policy = new AdaptivePolicy(spec);
            var input = new Controls(1e-4, Math.Pow(10, -7 + 5 * rng.NextDouble()));
            var state = policy.InitialState;
            for (long step = 1; step <= 300; step++)
            {
                var c = policy.Apply(state, input);
                Assert.True(c.LrD >= min && c.LrD <= max, $"seed {seed} step {step}: lr_d {c.LrD} outside [{min}, {max}]");
                Assert.Equal(input.LrG, c.LrG);
                (state, _) = policy.Observe(state, RandomSignals(rng, step), input);
            }
        }
    }

    [Fact]
    public void Plateau_never_raises_a_rate_and_never_cuts_below_min_lr()
    {
        for (ulong seed = 1; seed <= Cases; seed++)
        {
            var rng = new Rng(seed);
            var spec = new PlateauPolicySpec
            {
                Metric = (PlateauMetric)rng.NextInt(6), Mode = (PlateauMode)rng.NextInt(2), Factor = 0.05 + 0.9 * rng.NextDouble(),
                Patience = 1 + rng.NextInt(20), MinLr = Math.Pow(10, -7 + 3 * rng.NextDouble()), Smoothing = rng.NextDouble() * 0.99,
            };
            var policy = new PlateauPolicy(spec);
            var input = new Controls(Math.Pow(10, -5 + 2 * rng.NextDouble()), Math.Pow(10, -5 + 2 * rng.NextDouble()));
            var state = policy.InitialState;
            var previous = policy.Apply(state, input);
            for (long step = 1; step <= 300; step++)
            {
                (state, _) = policy.Observe(state, RandomSignals(rng, step), input);
                var c = policy.Apply(state, input);
                Assert.True(c.LrG <= previous.LrG && c.LrD <= previous.LrD, $"seed {seed} step {step}: a rate rose");
                Assert.True(c.LrG >= Math.Min(input.LrG, spec.MinLr) && c.LrD >= Math.Min(input.LrD, spec.MinLr), $"seed {seed} step {step}: below min_lr");
                previous = c;
            }
        }
    }

    [Fact]
    public void Skip_d_never_skips_more_than_max_consecutive_in_a_row()
    {
        for (ulong seed = 1; seed <= Cases; seed++)
        {
            var rng = new Rng(seed);
            var spec = new SkipDPolicySpec { Threshold = 2 * rng.NextDouble(), MaxConsecutive = 1 + rng.NextInt(8) };
            var policy = new SkipDPolicy(spec);
            var state = policy.InitialState;
            int run = 0;
            for (long step = 1; step <= 300; step++)
            {
                bool update = policy.Apply(state, new Controls(1e-4, 1e-4)).UpdateD;
                run = update ? 0 : run + 1;
                Assert.True(run <= spec.MaxConsecutive, $"seed {seed} step {step}: {run} skips in a row, cap {spec.MaxConsecutive}");
                (state, _) = policy.Observe(state, RandomSignals(rng, step), new Controls(1e-4, 1e-4));
            }
        }
    }

    [Fact]
    public void A_composed_plan_is_deterministic_and_resumes_exactly_from_its_json_state()
    {
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var spec = RunSpecLoader.Parse("""
                model: { arch: progressive, resolution: 16 }
                progressive: { fade_images: 300, stable_images: 300, batch_size: { 4: 16, 8: 8, 16: 4 } }
                policy:
                  - { kind: ttur, lr_g: 1.0e-4, lr_d: 4.0e-4 }
                  - { kind: skip-d, threshold: 0.4, max_consecutive: 3 }
                  - { kind: adaptive, signal: r_t, target: 0.0, speed: 0.05, interval: 3 }
                  - { kind: plateau, metric: loss_g, factor: 0.5, patience: 20, smoothing: 0.5 }
                """);
            var plan = new TrainingPlan(spec);
            var rng = new Rng(seed);
            int world = 1 + rng.NextInt(3);
            var signals = new List<StepSignals>();
            for (int i = 1; i <= 400; i++) signals.Add(RandomSignals(rng, i));

            string Trace(PlanState state, int from, out PlanState end)
            {
                var log = new System.Text.StringBuilder();
                for (int i = from; i < signals.Count && !plan.IsFinished(state); i++)
                {
                    log.Append(JsonSerializer.Serialize(state.Next, PlanState.Json)).Append('\n');
                    state = plan.Advance(state, signals[i], world);
                    foreach (var d in state.Pending) log.Append(d.Kind).Append(d.Details().ToJsonString()).Append('\n');
                }
                end = state;
                return log.ToString();
            }

            string whole = Trace(plan.Start(), 0, out var endWhole);
            Assert.Equal(whole, Trace(plan.Start(), 0, out _));
            // Stop after a random step, go through JSON (a checkpoint), continue.
            var state = plan.Start();
            int cut = 1 + rng.NextInt(250);
            var first = new System.Text.StringBuilder();
            for (int i = 0; i < cut && !plan.IsFinished(state); i++)
            {
                first.Append(JsonSerializer.Serialize(state.Next, PlanState.Json)).Append('\n');
                state = plan.Advance(state, signals[i], world);
                foreach (var d in state.Pending) first.Append(d.Kind).Append(d.Details().ToJsonString()).Append('\n');
            }
            var restored = plan.Rebase(PlanState.FromJson(state.ToJson()));
            Assert.Equal(state.ToJson(), restored.ToJson());
            string resumed = first + Trace(restored, (int)restored.CompletedSteps, out var endResumed);
            Assert.Equal(whole, resumed);
            Assert.Equal(endWhole.ToJson(), endResumed.ToJson());
        }
    }
}
