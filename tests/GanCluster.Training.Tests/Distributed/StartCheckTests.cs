using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Training.Distributed;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// The replica check before a world's first step. With the start hash the coordinator announced (a world formed from a
/// live replica) each rank compares locally and the data plane is not used: a recovery saves two collective operations
/// (docs/scaling.md). Without one (the seed, a checkpoint) the ranks compare over the data plane, as before.
/// </summary>
public class StartCheckTests
{
    [Fact]
    public void An_announced_hash_is_compared_locally_without_a_collective_operation()
    {
        var collective = new MirrorCollective(failOnCall: 1); // any use of the data plane fails
        Assert.Equal(0, ReplicaCheck.CountStartMismatches(collective, "abc", "abc", out string reference));
        Assert.Equal("abc", reference);
        Assert.Equal(1, ReplicaCheck.CountStartMismatches(collective, "abc", "abd", out reference));
        Assert.Equal("abd", reference);
        Assert.Equal(0, collective.Calls);
    }

    [Fact]
    public void Without_an_announced_hash_the_ranks_compare_over_the_data_plane()
    {
        var collective = new MirrorCollective();
        Assert.Equal(0, ReplicaCheck.CountStartMismatches(collective, "abc", null, out string reference));
        Assert.Equal("abc", reference); // rank 0's, broadcast
        Assert.Equal(2, collective.Calls); // the broadcast and the all-reduce of the verdict
    }

    [Fact]
    public void A_trainer_whose_state_is_not_the_announced_start_stops_before_its_first_step_and_says_so()
    {
        string dir = TinySpecs.TempDir();
        var events = new RecordingEventSink();
        using var trainer = new GanTrainer(new TrainerOptions
        {
            Spec = TinySpecs.Dcgan("steps=3"), RunDir = dir, Mode = new RunMode.ClusterRank(events),
        });
        var collective = new MirrorCollective(failOnCall: 1); // the first collective operation would fail as a peer's death
        trainer.BindWorld(collective, epoch: 1, startHash: new string('0', 64));

        var mismatch = Assert.Throws<ReplicaMismatchException>(() => trainer.Run());
        Assert.Equal(0, collective.Calls);
        Assert.Equal(0, trainer.State.Step);
        Assert.Contains(events.All, e => e is ReplicaHashMismatchEvent);
        Assert.Contains("the world's 000000000000", mismatch.Message);
    }

    [Fact]
    public void A_trainer_holding_the_announced_start_trains_without_the_start_comparison()
    {
        string dir = TinySpecs.TempDir();
        using var trainer = new GanTrainer(new TrainerOptions
        {
            Spec = TinySpecs.Dcgan("steps=1"), RunDir = dir, Mode = new RunMode.ClusterRank(new RecordingEventSink()),
        });
        var announced = new MirrorCollective();
        trainer.BindWorld(announced, epoch: 1, startHash: trainer.Snapshot().Hash());
        trainer.Run();
        Assert.Equal(1, trainer.State.Step);

        using var compared = new GanTrainer(new TrainerOptions
        {
            Spec = TinySpecs.Dcgan("steps=1"), RunDir = TinySpecs.TempDir(), Mode = new RunMode.ClusterRank(new RecordingEventSink()),
        });
        var overDataPlane = new MirrorCollective();
        compared.BindWorld(overDataPlane, epoch: 1);
        compared.Run();
        Assert.Equal(overDataPlane.Calls - 2, announced.Calls); // the same step, less the broadcast and the all-reduce
    }
}
