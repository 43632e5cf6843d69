using GanCluster.Core.Membership;

namespace GanCluster.Cluster.Tests.Coordinator;

public class LedgerTests
{
    [Fact]
    public void Replaying_the_journal_rebuilds_the_coordinator_state()
    {
        var ledger = new object[]
        {
            new EpochStarted(1, 1, 0, ["a", "b"]),
            new StepCommitted(1, 1, 10),
            new StepCommitted(1, 1, 20),
            new EpochStarted(1, 2, 20, ["a"]),
            new StepCommitted(1, 1, 25), // from the aborted world: ignored
            new StepCommitted(1, 2, 30),
        }.Aggregate(CoordinatorLedger.Empty, (l, e) => l.Apply(e));
        Assert.Equal(2, ledger.Epoch);
        Assert.Equal(["a"], ledger.Members);
        Assert.Equal(30, ledger.CommittedStep);
        Assert.True(ledger.InFlight);
        Assert.False(ledger.Apply(new RunEnded(1, 0, 30)).InFlight);
    }

    [Fact]
    public void A_collapse_rollback_world_takes_the_committed_step_back_and_keeps_the_response_state()
    {
        var ledger = new object[]
        {
            new EpochStarted(1, 1, 0, ["a", "b"], CollapseStateJson: "{\"rollbacks\":0}"),
            new StepCommitted(1, 1, 40),
            new EpochStarted(1, 2, 20, ["a", "b"], Rollback: true, CollapseStateJson: "{\"rollbacks\":1}"),
            new EpochStarted(1, 3, 24, ["a"]), // an ordinary recovery later: older journals carry no state
        }.Aggregate(CoordinatorLedger.Empty, (l, e) => l.Apply(e));
        Assert.Equal(24, ledger.CommittedStep);
        Assert.Equal("{\"rollbacks\":1}", ledger.CollapseStateJson);
        var back = CoordinatorLedger.Empty.Apply(new EpochStarted(1, 1, 0, ["a"])).Apply(new StepCommitted(1, 1, 40))
            .Apply(new EpochStarted(1, 2, 20, ["a"], Rollback: true));
        Assert.Equal(20, back.CommittedStep); // not max(40, 20): the steps after 20 were undone
    }
}
