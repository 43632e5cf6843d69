using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Training.Distributed;

namespace GanCluster.Training.Tests.Training;

/// <summary>
/// A cluster rank 0 that completes a step and is then fenced out (the coordinator abandoned its world to form a
/// larger one) cannot write that step's metrics row; when it leads the next world from that step, it must.
/// </summary>
public class FencedRankZeroTests
{
    [Fact]
    public void A_rank_zero_fenced_after_a_step_writes_that_steps_row_when_it_leads_the_next_world()
    {
        string dir = TinySpecs.TempDir();
        var layout = new RunLayout(dir);
        var events = new RecordingEventSink();
        using var trainer = new GanTrainer(new TrainerOptions
        {
            Spec = TinySpecs.Dcgan("steps=5"), RunDir = dir, Mode = new RunMode.ClusterRank(events),
        });
        trainer.BindWorld(SingleProcessCollective.Instance, epoch: 1);
        // After step 2 the coordinator forms world 2 elsewhere: step 3 completes, then its row is refused by the fence.
        trainer.StepCompleted += r => { if (r.Stats.Step == 2) WorldFence.Raise(dir, 2); };
        var fenced = Assert.Throws<WorldFencedException>(() => trainer.Run());
        Assert.Contains("epoch 2", fenced.Message);
        Assert.Equal(3, trainer.State.Step);
        Assert.Equal([1L, 2], Steps(layout));

        trainer.BindWorld(SingleProcessCollective.Instance, epoch: 2);
        Assert.Equal([1L, 2, 3], Steps(layout)); // the row of the step world 2 continues from
        trainer.Run();
        Assert.Equal([1L, 2, 3, 4, 5], Steps(layout));
        Assert.Equal(EventKind.RunFinished, events.Kinds[^1]);
    }

    static List<long> Steps(RunLayout layout) => JsonlWriter.ReadAll(layout.MetricsFile).Select(r => r["step"]!.GetValue<long>()).ToList();
}
