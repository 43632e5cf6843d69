using System.Text.Json.Nodes;

namespace GanCluster.Cli.Tests;

/// <summary>A progressive run through the real CLI: train a few steps into a fade-in, then sample from the checkpoint.</summary>
public class ProgressiveCliTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-cli-prog-").FullName;

    [Fact]
    public void A_progressive_run_trains_into_a_fade_in_and_samples_at_its_resolution()
    {
        File.WriteAllText(Path.Combine(_dir, "p.yaml"), """
            threads: 1
            steps: 6
            data: { format: embedded, path: null, limit: 128 }
            model: { arch: progressive, resolution: 8, nz: 8, fmaps: 8 }
            progressive: { fade_images: 32, stable_images: 32, batch_size: { 4: 8, 8: 8 } }
            policy: [ { kind: ttur, lr_g: 1.0e-3, lr_d: 2.0e-3 } ]
            sample_every: 5
            log_every: 2
            """);
        var train = CliProcess.Run(_dir, "train", "--config", "p.yaml", "--out", "run");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("steps: 0 -> 6", train.Stdout);
        Assert.Contains("8px fade-in", train.Stdout);
        var last = JsonNode.Parse(File.ReadLines(Path.Combine(_dir, "run", "metrics.jsonl")).Last())!;
        Assert.Equal(8, last["resolution"]!.GetValue<int>());
        Assert.Equal(0.25, last["alpha"]!.GetValue<double>()); // 4x4 takes steps 1-4; step 6 is 8 images into a 32-image fade-in
        Assert.Equal(2e-3, last["lr_d"]!.GetValue<double>());
        Assert.True(File.Exists(Path.Combine(_dir, "run", "samples", "step-000005.png")));

        var sample = CliProcess.Run(_dir, "sample", "--checkpoint", "run", "--count", "4", "--out", "s.png");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.True(new FileInfo(Path.Combine(_dir, "s.png")).Length > 0);
    }

    [Fact]
    public void A_bad_policy_exits_2_with_its_path()
    {
        var r = CliProcess.Run(_dir, "train", "--set", "policy=[{kind: adaptive, speed: -1}]", "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("policy[0].speed", r.Stderr);
    }
}
