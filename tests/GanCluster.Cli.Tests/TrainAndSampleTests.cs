using SkiaSharp;

namespace GanCluster.Cli.Tests;

/// <summary>The CLI end to end, as a user runs it: train, interrupt-free resume, sample.</summary>
public class TrainAndSampleTests
{
    static readonly string[] Tiny = TinyRun.Args;

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-train-").FullName;

    [Fact]
    public void Train_then_resume_longer_then_sample()
    {
        var first = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=2", .. Tiny]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("step 2/2", first.Stdout); // plain progress lines when not on a terminal
        Assert.True(File.Exists(Path.Combine(_dir, "run", "checkpoints", "step-000002", "manifest.json")));

        var again = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=4", .. Tiny]);
        Assert.True(again.ExitCode == 2, "a second fresh run into the same folder must be refused\n" + again);
        Assert.Contains("--resume", again.Stderr);

        var resumed = CliProcess.Run(_dir, ["train", "--resume", "--out", "run", "--set", "steps=4", .. Tiny]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("steps: 2 -> 4", resumed.Stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "run", "samples", "step-000004.png")));

        var changed = CliProcess.Run(_dir, ["train", "--resume", "--out", "run", "--set", "steps=6", .. Tiny, "--set", "model.ngf=16"]);
        Assert.True(changed.ExitCode == 2, changed.ToString());
        Assert.Contains("model.ngf", changed.Stderr);

        var sample = CliProcess.Run(_dir, "sample", "--checkpoint", "run", "--count", "9", "--seed", "5", "--out", "grid.png");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        using var grid = SKBitmap.Decode(Path.Combine(_dir, "grid.png"));
        Assert.Equal(3 * (16 + 2) + 2, grid.Width); // 3x3 grid of 16px images with 2px gutters
    }

    [Fact]
    public void A_corrupted_checkpoint_is_refused_by_sample()
    {
        var train = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=1", .. Tiny]);
        Assert.True(train.ExitCode == 0, train.ToString());
        string ckpt = Path.Combine(_dir, "run", "checkpoints", "step-000001");
        File.AppendAllText(Path.Combine(ckpt, "generator.bin"), "x");
        var r = CliProcess.Run(_dir, "sample", "--checkpoint", ckpt, "--out", "grid.png");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("generator.bin", r.Stderr);
    }
}
