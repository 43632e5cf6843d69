using GanCluster.Training.Checkpointing;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Training;

/// <summary>The dcgan generator EMA (optim.g_ema): averaged weights, BatchNorm buffers copied, checkpointed, collapse-measured.</summary>
public class DcganEmaTests
{
    [Fact]
    public void Optim_g_ema_keeps_an_averaged_generator_with_the_generators_batchnorm_statistics()
    {
        string dir = TinyRuns.NewDir();
        var spec = TinyRuns.Spec(TinyRuns.Dcgan, "optim.g_ema=0.9", "steps=6", "collapse.every=3", "collapse.sample_size=16",
            "collapse.real_sample_size=32", "collapse.warmup_steps=0");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir, SampleCount = 4 });
        trainer.Run();

        var ema = trainer.GeneratorAverage;
        Assert.NotNull(ema);
        var live = trainer.Generator;
        // Weights: an average of past generators, so not the live ones.
        var differs = live.parameters().Zip(ema!.parameters()).Any(p => !p.First.allclose(p.Second, 1e-6, 1e-6));
        Assert.True(differs, "the EMA's weights equal the generator's: no averaging");
        // Buffers (BatchNorm running statistics): the generator's, exactly (an untouched copy would keep mean 0 / var 1).
        var buffers = live.buffers().Zip(ema.buffers()).ToList();
        Assert.NotEmpty(buffers);
        Assert.All(buffers, b => Assert.True(b.First.allclose(b.Second, 0, 0)));
        Assert.Contains(live.named_buffers(), b => b.name.EndsWith("running_var", StringComparison.Ordinal) && !b.buffer.allclose(ones_like(b.buffer)));

        var checkpoint = Directory.GetDirectories(Path.Combine(dir, "checkpoints")).Single();
        Assert.True(TrainerSnapshot.ReadFrom(checkpoint).Files.ContainsKey(TrainerSnapshot.GeneratorEma));
        // The collapse monitor measured (the EMA) with quality measures in the MNIST embedding, and cached the real side.
        var rows = TinyRuns.Metrics(dir).Where(r => r.Contains("\"fid\"")).ToList();
        Assert.NotEmpty(rows);
        Assert.Contains("\"features\":\"mnist\"", rows[0]);
        Assert.True(File.Exists(Path.Combine(dir, "quality", "real-mnist.bin")));
    }

    [Fact]
    public void Optim_g_ema_outside_zero_to_one_is_a_spec_error()
    {
        var e = Assert.Throws<Core.Spec.SpecException>(() => TinyRuns.Spec(TinyRuns.Dcgan, "optim.g_ema=1"));
        Assert.Contains("optim.g_ema", e.Message);
    }
}
