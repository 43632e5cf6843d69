using System.Buffers.Binary;
using GanCluster.Core.Runs;
using GanCluster.Training.Checkpointing;
using static GanCluster.Training.Tests.Training.TinyRuns;

namespace GanCluster.Training.Tests.Training;

/// <summary>MSG-GAN runs end to end: policies, exact resume, samples of every scale, the collapse and quality monitor.</summary>
public class MsgRunTests
{
    const string Msg = """
        seed: 11
        threads: 1
        steps: 12
        batch_size: 8
        data: { format: embedded, path: null, limit: 256 }
        model: { arch: msg, resolution: 16, channels: 1, nz: 8, fmaps: 8 }
        optim: { lr_g: 1.0e-3, lr_d: 1.0e-3, beta1: 0.0, beta2: 0.99, g_ema: 0.9 }
        msg: { combine: lin_cat }
        sample_every: 0
        log_every: 100
        checkpoint: { every: 0, keep: 5 }
        """;

    [Fact]
    public void Policies_drive_an_msg_run_and_a_resumed_one_equals_the_uninterrupted_run()
    {
        string whole = NewDir();
        var (_, wholeHashes, wholePlan) = Train(whole, Spec(Msg + Policies), hashAt: [12]);
        var metrics = JsonlWriter.ReadAll(new RunLayout(whole).MetricsFile).ToList();
        // threshold 10 is above any ra-hinge loss: D is skipped twice, updated once, ...
        Assert.Equal("011011011011", string.Concat(metrics.Select(m => m["d_skipped"]!.GetValue<int>())));
        Assert.Equal(1e-4, metrics[0]["lr_g"]!.GetValue<double>());
        Assert.Equal(4e-4, metrics[0]["lr_d"]!.GetValue<double>());
        Assert.All(metrics, m => Assert.True(double.IsFinite(m["loss_d"]!.GetValue<double>()) && double.IsFinite(m["loss_g"]!.GetValue<double>())));
        Assert.All(metrics, m => Assert.Equal(16, m["resolution"]!.GetValue<int>()));

        string parts = NewDir();
        var (_, halfHashes, _) = Train(parts, Spec(Msg + Policies, "steps=7"), hashAt: [7]);
        Assert.NotEqual(wholeHashes[12], halfHashes[7]);
        var (_, partHashes, partsPlan) = Train(parts, Spec(Msg + Policies), resume: true, hashAt: [12]);
        Assert.Equal(wholeHashes[12], partHashes[12]);
        Assert.Equal(wholePlan, partsPlan);
        Assert.Equal(Metrics(whole), Metrics(parts));
        Assert.Equal(Events(whole), Events(parts));
        Assert.True(TrainerSnapshot.ReadFrom(new RunLayout(parts).CheckpointDir(12)).Files.ContainsKey(TrainerSnapshot.GeneratorEma));
    }

    [Fact]
    public void An_msg_run_samples_every_scale_and_is_scored_by_the_collapse_monitor_and_quality_measures()
    {
        string dir = NewDir();
        Train(dir, Spec(Msg + """

            collapse: { enabled: true, every: 4, sample_size: 64, real_sample_size: 128, warmup_steps: 0 }
            """, "steps=8", "sample_every=4"));
        var layout = new RunLayout(dir);
        var rows = JsonlWriter.ReadAll(layout.MetricsFile).ToDictionary(m => m["step"]!.GetValue<long>());
        foreach (long step in new long[] { 4, 8 })
        {
            Assert.True(File.Exists(layout.SampleFile(step)));
            // 4 latents x 3 scales (4, 8, 16 px), each shown at 64 px with 2-px gutters.
            Assert.Equal((3 * 66 + 2, 4 * 66 + 2), PngSize(layout.ScaleStripFile(step)));
        }
        var scored = rows.Values.Where(r => r["collapse_score"] != null).ToList();
        Assert.NotEmpty(scored);
        Assert.All(scored, r => Assert.True(double.IsFinite(r["fid"]!.GetValue<double>()) && r["precision"] != null));
    }

    [Fact]
    public void An_msg_run_accumulates_micro_batches_of_its_packed_scales()
    {
        string dir = NewDir();
        var (state, _, _) = Train(dir, Spec(Msg, "steps=3", "accumulate=2"));
        Assert.Equal(3 * 8 * 2, state.ImagesSeen);
        Assert.All(JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile),
            m => Assert.True(m["d_skipped"]!.GetValue<int>() == 0 && double.IsFinite(m["loss_g"]!.GetValue<double>())));
    }

    static (int Width, int Height) PngSize(string file)
    {
        var bytes = File.ReadAllBytes(file);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
