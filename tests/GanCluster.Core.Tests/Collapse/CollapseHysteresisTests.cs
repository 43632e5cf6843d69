using GanCluster.Core.Collapse;

namespace GanCluster.Core.Tests.Collapse;

public class CollapseHysteresisTests
{
    static CollapseHysteresis Make(long warmup = 0) => new(new CollapseHysteresisOptions(0.5, 0.3, RaiseAfter: 2, ClearAfter: 2, warmup));

    [Fact]
    public void The_flag_rises_after_consecutive_high_scores_and_clears_after_consecutive_low_ones()
    {
        var h = Make();
        Assert.False(h.Observe(10, 0.6));
        Assert.False(h.Suspected);
        Assert.True(h.Observe(20, 0.7));
        Assert.True(h.Suspected);
        Assert.Equal(20, h.State.ChangedAt);
        Assert.Equal(1, h.State.SuspectedEvaluations);
        Assert.False(h.Observe(30, 0.2));
        Assert.False(h.Observe(40, 0.6)); // not two lows in a row
        Assert.Equal(3, h.State.SuspectedEvaluations);
        Assert.False(h.Observe(50, 0.25));
        Assert.True(h.Observe(60, 0.1));
        Assert.False(h.Suspected);
        Assert.Equal(60, h.State.ChangedAt);
        Assert.Equal(0, h.State.SuspectedEvaluations);
    }

    [Fact]
    public void A_score_hovering_between_the_thresholds_does_not_flap()
    {
        var h = Make();
        h.Observe(1, 0.9);
        h.Observe(2, 0.9);
        Assert.True(h.Suspected);
        for (int i = 3; i < 20; i++) Assert.False(h.Observe(i, i % 2 == 0 ? 0.45 : 0.35));
        Assert.True(h.Suspected);
    }

    [Fact]
    public void An_interrupted_run_of_high_scores_does_not_raise()
    {
        var h = Make();
        h.Observe(1, 0.9);
        h.Observe(2, 0.4);
        h.Observe(3, 0.9);
        Assert.False(h.Suspected);
    }

    [Fact]
    public void Evaluations_inside_the_warmup_never_raise()
    {
        var h = Make(warmup: 100);
        Assert.False(h.Observe(50, 1.0));
        Assert.False(h.Observe(99, 1.0));
        Assert.False(h.Observe(100, 1.0));
        Assert.True(h.Observe(110, 1.0));
        Assert.Equal(4, h.State.Evaluations);
    }

    [Fact]
    public void The_state_round_trips_through_json_and_restores()
    {
        var h = Make();
        h.Observe(5, 0.8);
        h.Observe(6, 0.9);
        h.Observe(7, 0.1);
        var json = h.State.ToJson().ToJsonString();
        var back = CollapseFlagState.FromJson(System.Text.Json.Nodes.JsonNode.Parse(json));
        Assert.Equal(h.State, back);
        var again = Make();
        again.Restore(back);
        Assert.True(again.Observe(8, 0.0)); // the second low in a row clears it
        Assert.Equal(CollapseFlagState.Initial, CollapseFlagState.FromJson(null));
    }
}
