using GanCluster.Core.Collapse;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Collapse;

/// <summary>
/// The rescue mitigation (docs/collapse.md, docs/policies.md "When D wins"): with no healthy checkpoint to roll back to,
/// the response rescues in place (ADA's p and R1 raised) instead of stopping; it waits its patience between rescues,
/// has a budget, and a healthy checkpoint still means a rollback.
/// </summary>
public class CollapseRescueTests
{
    static CollapseResponseSpec Spec(int maxRescues = 2, int patience = 3) => new()
    {
        Enabled = true,
        Window = 1,
        MaxRollbacks = 2,
        Mitigation = [new ScaleLrMitigation { LrG = 1, LrD = 1 }, new RescueMitigation { P = 0.2, R1Gamma = 1, MaxRescues = maxRescues, Patience = patience }],
    };

    static CollapseFlagState Suspected(long since, long evaluations) =>
        new() { Suspected = true, ChangedAt = since, SuspectedEvaluations = 1, Evaluations = evaluations, LastScore = 0.99 };

    // The dead start: the only checkpoint before the flag is from the warm-up, clear but scored collapsed.
    static readonly CollapseCheckpoint[] WarmupOnly = [new(100, true, 0.99), new(200, false, 0.99)];

    [Fact]
    public void With_no_healthy_checkpoint_it_rescues_in_place_where_the_old_response_stopped()
    {
        var without = new CollapseSupervisor(new CollapseResponseSpec { Enabled = true, Window = 1 }, rescuesInPlace: true);
        var stop = without.Decide(200, Suspected(200, 2), WarmupOnly);
        // Without a rescue the warm-up checkpoint counts as clear: a rollback into the same dead start.
        Assert.Equal(100, Assert.IsType<CollapseAction.RollBack>(stop).ToStep);

        var r = new CollapseSupervisor(Spec(), rescuesInPlace: true);
        var rescue = Assert.IsType<CollapseAction.Rescue>(r.Decide(200, Suspected(200, 2), WarmupOnly));
        Assert.Equal((200, 1, 0.2, 1.0), (rescue.EffectiveStep, rescue.Number, rescue.P, rescue.R1Gamma));
        Assert.Equal(1, r.State.Rescues);
        Assert.Equal(0, r.State.Rollbacks);
        Assert.Equal(0.2, r.State.RescueP);
        Assert.Equal(1.0, r.State.RescueR1Gamma);
        Assert.Null(r.StopReason);
        var e = r.RescueEvent(rescue, Suspected(200, 2));
        Assert.Equal(r.State, e.State);
    }

    /// <summary>
    /// Seen in `make bench-rescue`: after two rescues the score fell 0.996 -> 0.824 -> 0.683 with the flag still up, and
    /// the response stopped a run that was recovering. A falling score keeps the run going with the rescue it has (no
    /// harder rescue, no stop); once the score stalls, the response acts as before.
    /// </summary>
    [Fact]
    public void A_rescue_that_keeps_lowering_the_score_is_left_to_work_until_the_score_stalls()
    {
        static CollapseFlagState At(long evaluations, double score) =>
            new() { Suspected = true, ChangedAt = 100, SuspectedEvaluations = (int)evaluations, Evaluations = evaluations, LastScore = score };
        var r = new CollapseSupervisor(Spec(maxRescues: 1, patience: 2), rescuesInPlace: true);
        Assert.IsType<CollapseAction.Rescue>(r.Decide(200, At(2, 0.996), WarmupOnly));
        Assert.IsType<CollapseAction.Continue>(r.Decide(300, At(3, 0.9), WarmupOnly)); // patience
        var working = Assert.IsType<CollapseAction.Continue>(r.Decide(400, At(4, 0.824), WarmupOnly));
        Assert.Contains("0.996 to 0.824", working.Reason);
        Assert.Equal(0.824, r.State.RescueScore);
        Assert.IsType<CollapseAction.Continue>(r.Decide(500, At(5, 0.7), WarmupOnly)); // patience counts from the check
        Assert.IsType<CollapseAction.Continue>(r.Decide(600, At(6, 0.683), WarmupOnly)); // 0.824 -> 0.683: still working
        Assert.Null(r.StopReason);
        Assert.Equal(1, r.State.Rescues); // no harder rescue while it works
        Assert.IsType<CollapseAction.Continue>(r.Decide(700, At(7, 0.68), WarmupOnly)); // patience
        // 0.683 -> 0.675 is not an improvement of more than improving_by (0.02): the budget is spent, so a stop.
        Assert.IsType<CollapseAction.Stop>(r.Decide(800, At(8, 0.675), WarmupOnly));
    }

    [Fact]
    public void It_waits_its_patience_then_rescues_harder_then_stops_when_the_budget_is_spent()
    {
        var r = new CollapseSupervisor(Spec(maxRescues: 2, patience: 3), rescuesInPlace: true);
        Assert.IsType<CollapseAction.Rescue>(r.Decide(200, Suspected(200, 2), WarmupOnly));
        Assert.IsType<CollapseAction.Continue>(r.Decide(300, Suspected(200, 3), WarmupOnly));
        Assert.IsType<CollapseAction.Continue>(r.Decide(400, Suspected(200, 4), WarmupOnly));
        var second = Assert.IsType<CollapseAction.Rescue>(r.Decide(500, Suspected(200, 5), WarmupOnly));
        Assert.Equal((2, 0.4, 2.0), (second.Number, second.P, second.R1Gamma));
        Assert.IsType<CollapseAction.Continue>(r.Decide(600, Suspected(200, 6), WarmupOnly));
        // Budget spent and nothing healthy to roll back to: the old answer, a stop.
        Assert.IsType<CollapseAction.Stop>(r.Decide(800, Suspected(200, 8), WarmupOnly));
        Assert.NotNull(r.StopReason);
    }

    [Fact]
    public void A_healthy_checkpoint_is_still_rolled_back_to_and_the_rescue_s_settings_come_with_it()
    {
        var r = new CollapseSupervisor(Spec(), rescuesInPlace: true);
        CollapseCheckpoint[] healthy = [new(100, true, 0.1), new(200, true, 0.5), new(300, false, 0.9)];
        var back = Assert.IsType<CollapseAction.RollBack>(r.Decide(300, Suspected(300, 4), healthy));
        Assert.Equal(100, back.ToStep); // 200 was clear but scored above healthy_below
        Assert.Equal(1, r.State.Rollbacks);
        Assert.Equal(0.2, r.State.RescueP);
        Assert.Equal(0, r.State.Rescues);
    }

    [Fact]
    public void A_caller_that_cannot_rescue_in_place_gets_the_old_decisions()
    {
        var coordinator = new CollapseSupervisor(Spec(), rescuesInPlace: false);
        Assert.IsType<CollapseAction.Stop>(coordinator.Decide(200, Suspected(200, 2), [new(200, false, 0.99)]));
    }

    [Fact]
    public void The_response_state_with_rescues_round_trips_and_counts_as_newer()
    {
        var r = new CollapseSupervisor(Spec(), rescuesInPlace: true);
        r.Decide(200, Suspected(200, 2), WarmupOnly);
        var back = CollapseResponseState.FromJson(r.State.ToJson());
        Assert.Equal(r.State, back);
        Assert.Same(back, CollapseResponseState.Latest(CollapseResponseState.Initial, back));
    }
}
