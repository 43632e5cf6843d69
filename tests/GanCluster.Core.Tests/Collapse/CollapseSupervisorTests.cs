using GanCluster.Core.Collapse;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Collapse;

public class CollapseSupervisorTests
{
    static CollapseResponseSpec Spec(int window = 2, int max = 2) => new()
    {
        Enabled = true,
        Window = window,
        MaxRollbacks = max,
        Mitigation = [new ScaleLrMitigation { LrG = 0.5, LrD = 0.25 }],
    };

    static CollapseFlagState Suspected(long since, int evaluations) =>
        new() { Suspected = true, ChangedAt = since, SuspectedEvaluations = evaluations, LastScore = 0.8 };

    static readonly CollapseCheckpoint[] Checkpoints = [new(100, true), new(200, true), new(300, false), new(250, true)];

    [Fact]
    public void Nothing_happens_while_clear_or_before_the_window_is_full()
    {
        var r = new CollapseSupervisor(Spec(window: 3));
        Assert.IsType<CollapseAction.Continue>(r.Decide(300, CollapseFlagState.Initial, Checkpoints));
        Assert.IsType<CollapseAction.Continue>(r.Decide(300, Suspected(280, 2), Checkpoints));
        Assert.Equal(0, r.State.Rollbacks);
    }

    [Fact]
    public void A_disabled_response_never_acts()
    {
        var r = new CollapseSupervisor(new CollapseResponseSpec { Enabled = false });
        Assert.IsType<CollapseAction.Continue>(r.Decide(300, Suspected(200, 9), Checkpoints));
    }

    [Fact]
    public void It_rolls_back_to_the_newest_clear_checkpoint_before_the_flag_rose()
    {
        var r = new CollapseSupervisor(Spec());
        var action = Assert.IsType<CollapseAction.RollBack>(r.Decide(320, Suspected(260, 2), Checkpoints));
        Assert.Equal(320, action.EffectiveStep);
        Assert.Equal(250, action.ToStep); // 300 was taken while suspected
        Assert.Equal(1, action.Number);
        Assert.Equal(0.5, action.LrGScale);
        Assert.Equal(0.25, action.LrDScale);
        Assert.Equal(1, r.State.Rollbacks);
        Assert.Equal(320, r.State.LastRollbackAt);

        // A checkpoint at the onset step itself measured as collapsed: the one before it is chosen.
        var again = new CollapseSupervisor(Spec());
        var b = Assert.IsType<CollapseAction.RollBack>(again.Decide(320, Suspected(250, 2), Checkpoints));
        Assert.Equal(200, b.ToStep);
    }

    [Fact]
    public void Factors_compound_and_the_budget_ends_in_a_stop()
    {
        var r = new CollapseSupervisor(Spec(max: 2));
        Assert.IsType<CollapseAction.RollBack>(r.Decide(320, Suspected(260, 2), Checkpoints));
        var second = Assert.IsType<CollapseAction.RollBack>(r.Decide(330, Suspected(260, 2), Checkpoints));
        Assert.Equal(2, second.Number);
        Assert.Equal(0.25, second.LrGScale);
        Assert.Equal(0.0625, second.LrDScale);
        var stop = Assert.IsType<CollapseAction.Stop>(r.Decide(340, Suspected(260, 2), Checkpoints));
        Assert.Contains("max_rollbacks", stop.Reason);
        Assert.Equal(340, stop.EffectiveStep);
        Assert.Equal(2, r.State.Rollbacks);
    }

    [Fact]
    public void With_no_clear_checkpoint_it_stops_instead_of_guessing()
    {
        var r = new CollapseSupervisor(Spec());
        var stop = Assert.IsType<CollapseAction.Stop>(r.Decide(320, Suspected(90, 2), Checkpoints));
        Assert.Contains("no committed checkpoint", stop.Reason);
        Assert.Equal(0, r.State.Rollbacks);
    }

    [Fact]
    public void The_state_survives_json_and_restore()
    {
        var r = new CollapseSupervisor(Spec(max: 1));
        r.Decide(320, Suspected(260, 2), Checkpoints);
        var back = CollapseResponseState.FromJson(System.Text.Json.Nodes.JsonNode.Parse(r.State.ToJson().ToJsonString()));
        Assert.Equal(r.State, back);
        var resumed = new CollapseSupervisor(Spec(max: 1), back);
        Assert.IsType<CollapseAction.Stop>(resumed.Decide(400, Suspected(350, 2), Checkpoints));
    }

    [Fact]
    public void Checkpoint_info_marks_clear_checkpoints()
    {
        var info = new System.Text.Json.Nodes.JsonObject
        {
            [CollapseCheckpointInfo.Key] = CollapseCheckpointInfo.ToJson(Suspected(10, 1), CollapseResponseState.Initial with { Rollbacks = 1 }),
        };
        var suspected = new GanCluster.Core.Checkpoints.CheckpointManifest(1, 20, "h", "t", [], info);
        Assert.False(CollapseCheckpointInfo.Candidate(suspected).FlagClear);
        Assert.Equal(1, CollapseCheckpointInfo.Response(suspected).Rollbacks);
        Assert.True(CollapseCheckpointInfo.Flag(suspected).Suspected);
        var clear = suspected with { Info = new() { [CollapseCheckpointInfo.Key] = CollapseCheckpointInfo.ToJson(CollapseFlagState.Initial, CollapseResponseState.Initial) } };
        Assert.True(CollapseCheckpointInfo.Candidate(clear).FlagClear);
        Assert.False(CollapseCheckpointInfo.Candidate(suspected with { Info = null }).FlagClear); // unknown is never clear
    }
}
