using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training;

namespace GanCluster.Training.Tests.Training;

/// <summary>
/// High-resolution runs of tiny models on the embedded MNIST finish (they ended with an OverflowException while the
/// source resized the whole set up front), and every step logs how long it waited for data.
/// </summary>
public class HighResolutionRunTests
{
    [Fact]
    public void A_512_px_dcgan_run_finishes_and_logs_its_data_wait()
    {
        string dir = TinyRuns.NewDir();
        // All 10,000 digits: 10,000 x 512² bytes resized up front overflowed .NET's array limit.
        var spec = TinyRuns.Spec(TinyRuns.Dcgan, "model.resolution=512", "steps=2", "batch_size=2", "data.limit=null");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir, SampleCount = 1 });
        Assert.Equal(10_000, trainer.Data.Count);
        Assert.Equal(512, trainer.MemoryEstimate.Resolution);
        var state = trainer.Run();
        Assert.Equal(2, state.Step);
        var rows = JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile);
        Assert.Equal(2, rows.Count());
        Assert.All(rows, r => Assert.Equal(512, r["resolution"]!.GetValue<int>()));
        Assert.All(rows, r => Assert.True(r["data_wait_seconds"]!.GetValue<double>() >= 0));
    }

    [Fact]
    public void A_progressive_run_grows_from_256_to_512_px()
    {
        string dir = TinyRuns.NewDir();
        var spec = TinyRuns.Spec(TinyRuns.Progressive, "model.resolution=512", "model.fmaps=2", "batch_size=2", "data.limit=64",
            "progressive.start_resolution=256", "progressive.fade_images=2", "progressive.stable_images=2", "progressive.batch_size={}");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir, SampleCount = 1 });
        var state = trainer.Run();
        var resolutions = JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile).Select(r => r["resolution"]!.GetValue<int>()).ToList();
        Assert.Equal([256, 512, 512], resolutions);
        Assert.Equal(3, state.Step);
    }
}
