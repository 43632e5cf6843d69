using GanCluster.Core.Planning;
using GanCluster.Core.Policies;
using GanCluster.Core.Progressive;
using GanCluster.Core.Spec;
using static GanCluster.Core.Tests.Policies.Traces;

namespace GanCluster.Core.Tests.Planning;

public class TrainingPlanTests
{
    const string Tiny = """
        model: { arch: progressive, resolution: 16 }
        optim: { lr_g: 0.001, lr_d: 0.001 }
        progressive: { fade_images: 40, stable_images: 40, batch_size: { 4: 10, 8: 10, 16: 5 }, lr: { 16: 0.0005 } }
        """;

    static (List<PlanState> States, List<Decision> Decisions) Drive(TrainingPlan plan, Func<long, StepSignals> signals, int world = 1, int maxSteps = 10_000)
    {
        var state = plan.Start();
        var states = new List<PlanState> { state };
        var decisions = new List<Decision>(state.Pending);
        while (!plan.IsFinished(state) && states.Count <= maxSteps)
        {
            state = plan.Advance(state, signals(state.Next.Step), world);
            states.Add(state);
            decisions.AddRange(state.Pending);
        }
        return (states, decisions);
    }

    [Fact]
    public void A_progressive_plan_grows_at_the_planned_steps_and_stops_after_the_last_stable_phase()
    {
        var plan = new TrainingPlan(RunSpecLoader.Parse(Tiny));
        var (states, decisions) = Drive(plan, s => Signals(s));
        // 4x4: 40 images / 10 = 4 steps; 8x8 fade 4 + stable 4; 16x16 fade 8 + stable 8 (batch 5).
        Assert.Equal(4 + 8 + 16, states[^1].CompletedSteps);
        Assert.Equal(plan.TotalSteps(plan.Start(), 1), states[^1].CompletedSteps);
        var grown = decisions.OfType<ResolutionGrown>().ToList();
        Assert.Equal([(5L, 4, 8), (13L, 8, 16)], grown.Select(g => (g.Step, g.From, g.To)).ToList());
        Assert.All(grown, g => Assert.True(g.OptimizerReset));
        var phases = decisions.OfType<PhaseStarted>().Select(p => (p.Step, p.Resolution, p.Phase)).ToList();
        Assert.Equal([(1L, 4, PhaseKind.Stable), (5, 8, PhaseKind.FadeIn), (9, 8, PhaseKind.Stable), (13, 16, PhaseKind.FadeIn), (21, 16, PhaseKind.Stable)], phases);
        // Alpha during the 8x8 fade-in: images 40, 50, 60, 70 of a 40-image fade.
        Assert.Equal([0.0, 0.25, 0.5, 0.75], states.Select(s => s.Next).Where(p => p.Resolution == 8 && p.Phase == PhaseKind.FadeIn).Select(p => p.Alpha).ToList());
        // The per-resolution rate arrives with 16x16, as a schedule decision.
        var lr = decisions.OfType<LearningRateChanged>().ToList();
        Assert.Equal([(13L, "g", 0.001, 0.0005, "schedule"), (13L, "d", 0.001, 0.0005, "schedule")],
            lr.Select(d => (d.Step, d.Network, d.Old, d.New, d.Source)).ToList());
    }

    [Fact]
    public void Every_decision_takes_effect_at_the_step_after_the_statistics_it_came_from()
    {
        var spec = RunSpecLoader.Parse(Tiny + "\npolicy: [ { kind: skip-d, threshold: 0.5, max_consecutive: 2 }, { kind: plateau, patience: 3, smoothing: 0 } ]");
        var plan = new TrainingPlan(spec);
        var state = plan.Start();
        for (long s = 1; s <= 20; s++)
        {
            state = plan.Advance(state, Signals(s, lossD: s % 4 == 0 ? 0.1 : 1.0, lossG: 1.0), 1);
            Assert.All(state.Pending, d => Assert.Equal(s + 1, d.Step));
            Assert.Equal(s + 1, state.Next.Step);
        }
    }

    [Fact]
    public void Policy_changes_name_the_policy_and_the_statistic()
    {
        var spec = RunSpecLoader.Parse("""
            steps: 100
            policy:
              - { kind: ttur, lr_g: 1.0e-4, lr_d: 4.0e-4 }
              - { kind: skip-d, threshold: 0.3, max_consecutive: 5 }
              - { kind: adaptive, signal: r_t, target: 0.6, speed: 0.1, interval: 1 }
            """);
        var plan = new TrainingPlan(spec);
        var start = plan.Start();
        Assert.Empty(start.Pending); // a dcgan run announces no phase
        Assert.Equal((1e-4, 4e-4, true), (start.Next.LrG, start.Next.LrD, start.Next.UpdateD));
        var after = plan.Advance(start, Signals(1, lossD: 0.2, realSign: 0.9), 1);
        var skip = Assert.Single(after.Pending.OfType<DSkipChanged>());
        Assert.Equal((2L, true, "skip-d", "loss_d", 0.2), (skip.Step, skip.Skip, skip.Source, skip.Statistic, skip.Value));
        Assert.Equal("d_skip_started", skip.Kind);
        var lr = Assert.Single(after.Pending.OfType<LearningRateChanged>());
        Assert.Equal(("d", 4e-4, "adaptive", "r_t", 0.9), (lr.Network, lr.Old, lr.Source, lr.Statistic, lr.Value));
        Assert.Equal(4e-4 * Math.Exp(-0.1), lr.New, 15);
        Assert.False(after.Next.UpdateD);
        Assert.Equal(lr.New, after.Next.LrD);
    }

    [Fact]
    public void A_dcgan_plan_runs_spec_steps()
    {
        var plan = new TrainingPlan(RunSpecLoader.Parse("steps: 7\nbatch_size: 4"));
        var (states, decisions) = Drive(plan, s => Signals(s), world: 3);
        Assert.Equal(7, states[^1].CompletedSteps);
        Assert.Equal(7 * 4 * 3, states[^1].Images);
        Assert.Empty(decisions);
        Assert.Equal(7, plan.TotalSteps(plan.Start(), 3));
    }

    [Fact]
    public void Steps_cap_a_progressive_run()
    {
        var plan = new TrainingPlan(RunSpecLoader.Parse("steps: 6\n" + Tiny));
        var (states, _) = Drive(plan, s => Signals(s));
        Assert.Equal(6, states[^1].CompletedSteps);
        Assert.Equal(6, plan.TotalSteps(plan.Start(), 1));
    }

    [Fact]
    public void More_ranks_finish_the_same_schedule_in_fewer_steps()
    {
        var plan = new TrainingPlan(RunSpecLoader.Parse(Tiny));
        var (one, _) = Drive(plan, s => Signals(s), world: 1);
        var (two, _) = Drive(plan, s => Signals(s), world: 2);
        Assert.Equal(28, one[^1].CompletedSteps);
        Assert.Equal(14, two[^1].CompletedSteps);
        Assert.Equal(one[^1].Images, two[^1].Images);
    }

    [Fact]
    public void Statistics_of_the_wrong_step_are_refused()
    {
        var plan = new TrainingPlan(RunSpecLoader.Parse(Tiny));
        Assert.Throws<ArgumentException>(() => plan.Advance(plan.Start(), Signals(2), 1));
    }

    [Fact]
    public void A_plan_state_goes_through_json_unchanged()
    {
        var spec = RunSpecLoader.Parse(Tiny + "\npolicy: [ { kind: plateau, patience: 2, smoothing: 0.5 }, { kind: adaptive, interval: 3 } ]");
        var plan = new TrainingPlan(spec);
        var state = plan.Start();
        for (long s = 1; s <= 14; s++) state = plan.Advance(state, Signals(s, lossG: 1 + s % 3, realSign: double.NaN), 1);
        string json = state.ToJson();
        Assert.Contains("\"phase\":\"fade-in\"", json);
        var back = PlanState.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(state.Next, back.Next);
        Assert.Equal(state.Policies, back.Policies);
    }

    [Fact]
    public void Rebase_under_a_changed_policy_list_restarts_the_policies()
    {
        var before = new TrainingPlan(RunSpecLoader.Parse(Tiny + "\npolicy: [ { kind: plateau } ]"));
        var state = before.Advance(before.Start(), Signals(1), 1);
        var after = new TrainingPlan(RunSpecLoader.Parse(Tiny + "\npolicy: [ { kind: skip-d } ]"));
        var rebased = after.Rebase(state);
        Assert.IsType<SkipDState>(Assert.Single(rebased.Policies));
        Assert.Equal(state.Next.Step, rebased.Next.Step);
    }
}
