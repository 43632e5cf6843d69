using GanCluster.Core.Runs;
using GanCluster.Core.Spec;

namespace GanCluster.Training.Tests.Training;

/// <summary>Checkpoints make runs exact: interrupted at S and resumed equals uninterrupted at 2S, bit for bit.</summary>
public class ResumeTests
{
    static string Train(string runDir, RunSpec spec, bool resume = false, bool force = false, List<string>? log = null)
    {
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = runDir, Resume = resume, Force = force, Log = log == null ? null : log.Add });
        trainer.Run();
        return trainer.Snapshot().Hash();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // gradient accumulation: micro-batches, BatchNorm buffers per micro-batch, the sampler's position
    public void Interrupted_at_s_and_resumed_equals_the_uninterrupted_run_at_2s(int accumulate)
    {
        const int s = 3;
        RunSpec Spec(int steps) => TinySpecs.Dcgan($"steps={steps}", $"checkpoint.every={s}", $"accumulate={accumulate}");
        string whole = Train(TinySpecs.TempDir(), Spec(2 * s));
        string dir = TinySpecs.TempDir();
        string half = Train(dir, Spec(s));
        Assert.NotEqual(whole, half);
        string resumed = Train(dir, Spec(2 * s), resume: true);
        Assert.Equal(whole, resumed);

        var rows = JsonlWriter.ReadAll(Path.Combine(dir, "metrics.jsonl")).ToList();
        Assert.Equal(Enumerable.Range(1, 2 * s).Select(i => (long)i), rows.Select(r => (long)r["step"]!));
        // Each step trained on every micro-batch: batch_size x accumulate images per rank.
        int perStep = TinySpecs.Dcgan().BatchSize * accumulate;
        Assert.All(rows, r => Assert.Equal(perStep, (int)r["batch_size"]!));
        Assert.Equal(2L * s * perStep, (long)rows[^1]["images"]!);
        var kinds = JsonlWriter.ReadAll(Path.Combine(dir, "events.jsonl")).Select(r => (string)r["kind"]!).ToList();
        Assert.Contains(EventKind.RunResumed, kinds);
    }

    [Fact]
    public void A_corrupted_newest_checkpoint_falls_back_to_the_previous_one_and_still_ends_exact()
    {
        string dir = TinySpecs.TempDir();
        string whole = Train(dir, TinySpecs.Dcgan("steps=6", "checkpoint.every=3"));
        string newest = Path.Combine(dir, "checkpoints", "step-000006", "generator.bin");
        var bytes = File.ReadAllBytes(newest);
        bytes[^1] ^= 0x55;
        File.WriteAllBytes(newest, bytes);

        var log = new List<string>();
        string resumed = Train(dir, TinySpecs.Dcgan("steps=6", "checkpoint.every=3"), resume: true, log: log);
        Assert.Contains(log, l => l.Contains("step-000006") && l.Contains("checksum"));
        Assert.Contains(log, l => l.Contains("step-000003"));
        Assert.Equal(whole, resumed);
    }

    [Fact]
    public void Resuming_with_a_changed_model_is_refused_unless_forced()
    {
        string dir = TinySpecs.TempDir();
        Train(dir, TinySpecs.Dcgan("steps=2"));
        var e = Assert.Throws<SpecException>(() => Train(dir, TinySpecs.Dcgan("steps=4", "optim.lr_g=0.001"), resume: true));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("optim.lr_g", problem.Path);
        Assert.Contains("--force", problem.Expected);

        var log = new List<string>();
        Train(dir, TinySpecs.Dcgan("steps=4", "optim.lr_g=0.001"), resume: true, force: true, log: log);
        Assert.Contains(log, l => l.Contains("optim.lr_g"));
    }

    [Fact]
    public void A_new_run_into_a_folder_with_checkpoints_is_refused()
    {
        string dir = TinySpecs.TempDir();
        Train(dir, TinySpecs.Dcgan("steps=1"));
        var e = Assert.Throws<SpecException>(() => Train(dir, TinySpecs.Dcgan("steps=1")));
        Assert.Equal("--out", Assert.Single(e.Problems).Path);
        Assert.True(Directory.Exists(Path.Combine(dir, "checkpoints", "step-000001")), "the earlier run's checkpoint must survive");
    }

    [Fact]
    public void The_run_directory_follows_the_contract()
    {
        string dir = TinySpecs.TempDir();
        Train(dir, TinySpecs.Dcgan("steps=4", "sample_every=2", "checkpoint.every=2"));
        Assert.True(File.Exists(Path.Combine(dir, "run.yaml")));
        Assert.True(File.Exists(Path.Combine(dir, "samples", "step-000002.png")));
        Assert.True(File.Exists(Path.Combine(dir, "samples", "step-000004.png")));
        Assert.True(Directory.Exists(Path.Combine(dir, "checkpoints", "step-000004")));
        var spec = RunSpecLoader.LoadFile(Path.Combine(dir, "run.yaml"));
        Assert.Equal(4, spec.Steps);
        var row = JsonlWriter.ReadAll(Path.Combine(dir, "metrics.jsonl")).First();
        foreach (var key in new[] { "step", "loss_d", "loss_g", "d_real", "d_fake", "lr_d", "lr_g", "images_per_s", "skipped_nonfinite" })
            Assert.True(row.ContainsKey(key), $"metrics row lacks {key}");
    }
}
