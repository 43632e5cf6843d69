using GanCluster.Core.Augment;
using GanCluster.Core.Data;

namespace GanCluster.Core.Tests.Augment;

/// <summary>
/// ADA's controller over many seeded random r_t traces and settings (each case names its seed on failure): p stays in
/// [0, 1], every adjustment moves p toward what the target asks (up while D overfits, down while it does not), by
/// exactly the rule's step, and the same inputs give the same p (what keeps data-parallel ranks identical).
/// </summary>
public class AdaControllerPropertyTests
{
    const int Cases = 200;

    static (AdaController Controller, long Images, double[] Trace) RandomCase(ulong seed)
    {
        var rng = new SplitMix64(seed);
        var controller = new AdaController(target: rng.NextDouble(), adjustImages: 1 + rng.NextInt(200_000), interval: 1 + rng.NextInt(8));
        long images = 1 + rng.NextInt(512);
        var trace = new double[300];
        for (int i = 0; i < trace.Length; i++)
            trace[i] = rng.NextDouble() < 0.02 ? double.NaN : rng.NextInt(3) switch { 0 => 1.0, 1 => -1.0, _ => 2 * rng.NextDouble() - 1 };
        return (controller, images, trace);
    }

    [Fact]
    public void P_stays_in_0_1_and_moves_toward_the_target_by_the_rule_s_step()
    {
        for (ulong seed = 1; seed <= Cases; seed++)
        {
            var (controller, images, trace) = RandomCase(seed);
            var state = new AdaState { P = new SplitMix64(seed ^ 0xABCD).NextDouble() };
            var window = new List<double>();
            foreach (double rt in trace)
            {
                var before = state;
                state = controller.Advance(state, rt, images);
                Assert.True(state.P is >= 0 and <= 1, $"seed {seed}: p {state.P} outside [0, 1]");
                if (!double.IsFinite(rt)) { Assert.Equal(before, state); continue; }
                window.Add(rt);
                if (window.Count < controller.Interval)
                {
                    Assert.Equal(before.P, state.P); // p moves only at the end of an interval
                    continue;
                }
                double mean = window.Average();
                double step = (double)images * controller.Interval / controller.AdjustImages;
                double expected = Math.Clamp(before.P + Math.Sign(mean - controller.Target) * step, 0, 1);
                Assert.True(Math.Abs(state.P - expected) < 1e-9, $"seed {seed}: p {state.P}, expected {expected} (r_t {mean}, target {controller.Target})");
                if (mean > controller.Target) Assert.True(state.P >= before.P, $"seed {seed}: D overfits (r_t {mean}) but p fell");
                if (mean < controller.Target) Assert.True(state.P <= before.P, $"seed {seed}: D underfits (r_t {mean}) but p rose");
                Assert.Equal(0, state.Steps);
                window.Clear();
            }
        }
    }

    [Fact]
    public void A_constant_overfitting_signal_drives_p_to_1_and_an_underfitting_one_to_0()
    {
        var controller = new AdaController(0.6, 10_000, 4);
        var up = new AdaState();
        var down = new AdaState { P = 1 };
        for (int i = 0; i < 1000; i++)
        {
            up = controller.Advance(up, 1.0, 64);
            down = controller.Advance(down, 0.0, 64);
        }
        Assert.Equal(1.0, up.P);
        Assert.Equal(0.0, down.P);
    }

    [Fact]
    public void Every_rank_and_a_resumed_run_compute_the_same_p()
    {
        for (ulong seed = 1; seed <= Cases; seed++)
        {
            var (controller, images, trace) = RandomCase(seed);
            // Two "ranks" fed the same all-reduced trace; a third serialised half way (a checkpoint) and resumed.
            AdaState a = new(), b = new(), c = new();
            for (int i = 0; i < trace.Length; i++)
            {
                a = controller.Advance(a, trace[i], images);
                b = new AdaController(controller.Target, controller.AdjustImages, controller.Interval).Advance(b, trace[i], images);
                if (i == trace.Length / 2) c = AdaState.FromJson(System.Text.Json.Nodes.JsonNode.Parse(c.ToJson().ToJsonString()))!;
                c = controller.Advance(c, trace[i], images);
            }
            Assert.Equal(a, b);
            Assert.Equal(a, c);
        }
    }

    [Theory]
    [InlineData(0.0, 0.01, true)]
    [InlineData(0.12, 0.13, false)]
    [InlineData(0.12, 0.16, true)]
    [InlineData(0.99, 1.0, true)]
    [InlineData(0.3, 0.3, false)]
    public void Only_moves_into_another_band_are_notable(double before, double after, bool notable) =>
        Assert.Equal(notable, AdaController.IsNotable(before, after));
}
