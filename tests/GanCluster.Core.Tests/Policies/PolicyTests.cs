using GanCluster.Core.Policies;
using GanCluster.Core.Spec;
using static GanCluster.Core.Tests.Policies.Traces;

namespace GanCluster.Core.Tests.Policies;

public class PolicyTests
{
    static readonly Controls Base = new(2e-4, 2e-4);

    [Fact]
    public void Fixed_passes_the_schedule_through()
    {
        var (controls, triggers, _) = Run(new FixedPolicy(), Base, Enumerable.Range(1, 20).Select(i => Signals(i, lossD: 0.01 * i)));
        Assert.All(controls, c => Assert.Equal(Base, c));
        Assert.Empty(triggers);
    }

    [Fact]
    public void Ttur_sets_both_rates()
    {
        var policy = new TturPolicy(new TturPolicySpec { LrG = 1e-4, LrD = 4e-4 });
        Assert.Equal(new Controls(1e-4, 4e-4), policy.Apply(policy.InitialState, Base));
    }

    [Fact]
    public void Skip_d_skips_while_loss_d_is_low_and_stops_at_the_cap()
    {
        var policy = new SkipDPolicy(new SkipDPolicySpec { Threshold = 0.3, MaxConsecutive = 3 });
        // loss_d: high, then low for 10 steps, then high.
        double[] lossD = [1.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.9, 0.9];
        var (controls, triggers, _) = Run(policy, Base, lossD.Select((l, i) => Signals(i + 1, lossD: l)));
        string updates = string.Concat(controls.Select(c => c.UpdateD ? 'U' : 's'));
        // Step 1 updates; after step 2's low loss, steps 3-5 skip; the cap forces an update at step 6; and so on.
        Assert.Equal("UUsssUsssUssU", updates);
        Assert.Equal((2L, "loss_d below 0.3"), (triggers[0].Step, triggers[0].Trigger.Reason));
        Assert.Equal("3 consecutive skips (max_consecutive)", triggers[1].Trigger.Reason);
        Assert.Equal("loss_d not below 0.3", triggers[^1].Trigger.Reason);
    }

    [Fact]
    public void Skip_d_ignores_a_non_finite_loss()
    {
        var policy = new SkipDPolicy(new SkipDPolicySpec { Threshold = 0.3, MaxConsecutive = 3 });
        var (controls, _, _) = Run(policy, Base, [Signals(1, lossD: double.NaN), Signals(2, lossD: 0.1), Signals(3, lossD: double.NaN)]);
        Assert.Equal([true, true, false], controls.Select(c => c.UpdateD).ToList());
    }

    [Fact]
    public void Adaptive_lowers_lr_d_while_r_t_is_above_target_and_raises_it_below()
    {
        var spec = new AdaptivePolicySpec { Target = 0.6, Speed = 0.1, Interval = 2, MinLrD = 1e-5, MaxLrD = 1e-3 };
        var policy = new AdaptivePolicy(spec);
        var high = Enumerable.Range(1, 6).Select(i => Signals(i, realSign: 0.9));
        var low = Enumerable.Range(7, 4).Select(i => Signals(i, realSign: 0.2));
        var (controls, triggers, _) = Run(policy, Base, high.Concat(low));
        double[] expected = [1, 1, Math.Exp(-0.1), Math.Exp(-0.1), Math.Exp(-0.2), Math.Exp(-0.2), Math.Exp(-0.3), Math.Exp(-0.3), Math.Exp(-0.2), Math.Exp(-0.2)];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(2e-4 * expected[i], controls[i].LrD, 15);
        Assert.All(controls, c => Assert.Equal(2e-4, c.LrG));
        Assert.Equal([2L, 4, 6, 8, 10], triggers.Select(t => t.Step).ToList());
        Assert.Equal(("r_t", 0.9), (triggers[0].Trigger.Statistic, triggers[0].Trigger.Value));
        Assert.Contains("above target 0.6", triggers[0].Trigger.Reason);
        Assert.Contains("below target", triggers[^1].Trigger.Reason);
    }

    [Fact]
    public void Adaptive_on_the_loss_gap_steers_the_same_way()
    {
        var policy = new AdaptivePolicy(new AdaptivePolicySpec { Signal = AdaptiveSignal.LossGap, Target = 0.5, Speed = 0.5, Interval = 1 });
        // loss_g - loss_d = 2.0: D is winning, lr_d goes down.
        var (controls, _, _) = Run(policy, Base, [Signals(1, lossD: 0.5, lossG: 2.5), Signals(2, lossD: 0.5, lossG: 2.5)]);
        Assert.True(controls[1].LrD < controls[0].LrD);
    }

    [Fact]
    public void Adaptive_does_not_wind_up_at_a_bound()
    {
        var spec = new AdaptivePolicySpec { Target = 0.6, Speed = 0.5, Interval = 1, MinLrD = 1e-4, MaxLrD = 1e-3 };
        var policy = new AdaptivePolicy(spec);
        // 20 steps far above target pin lr_d at min; one step below must move it up at once.
        var trace = Enumerable.Range(1, 20).Select(i => Signals(i, realSign: 1.0)).Append(Signals(21, realSign: -1.0)).Append(Signals(22, realSign: -1.0));
        var (controls, _, _) = Run(policy, Base, trace);
        Assert.Equal(1e-4, controls[20].LrD, 15);
        Assert.True(controls[21].LrD > 1e-4);
    }

    [Fact]
    public void Plateau_cuts_both_rates_after_patience_steps_without_improvement()
    {
        var spec = new PlateauPolicySpec { Factor = 0.5, Patience = 5, MinLr = 3e-5, Smoothing = 0, Threshold = 0 };
        var policy = new PlateauPolicy(spec);
        // Improving for 5 steps, then flat at 1.0 forever.
        var trace = Enumerable.Range(1, 40).Select(i => Signals(i, lossG: i <= 5 ? 2.0 - 0.2 * i : 1.0));
        var (controls, triggers, final) = Run(policy, Base, trace);
        // Best 1.0 at step 5; steps 6..10 do not improve -> cut after step 10 (effective 11), again after 15, 20 ...
        Assert.Equal(2e-4, controls[9].LrG);
        Assert.Equal(1e-4, controls[10].LrG);
        Assert.Equal(5e-5, controls[15].LrG);
        Assert.Equal(3e-5, controls[20].LrG); // floored at min_lr
        Assert.Equal(3e-5, controls[39].LrD);
        Assert.Equal([10L, 15, 20], triggers.Select(t => t.Step).ToList());
        Assert.Equal("loss_g", triggers[0].Trigger.Statistic);
        Assert.Equal(3, ((PlateauState)final).Cuts);
    }

    [Fact]
    public void Plateau_in_max_mode_waits_for_a_rise()
    {
        var spec = new PlateauPolicySpec { Metric = PlateauMetric.DReal, Mode = PlateauMode.Max, Factor = 0.1, Patience = 3, Smoothing = 0 };
        var policy = new PlateauPolicy(spec);
        var trace = Enumerable.Range(1, 8).Select(i => new StepSignals(i, 1, 1, i <= 4 ? 0.1 * i : 0.1, 0.5, 0.5));
        var (_, triggers, _) = Run(policy, Base, trace);
        Assert.Equal([7L], triggers.Select(t => t.Step).ToList());
    }
}
