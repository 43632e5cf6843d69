using GanCluster.Cluster.Coordinator;

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
}
