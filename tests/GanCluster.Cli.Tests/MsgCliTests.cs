using System.Text.Json.Nodes;

namespace GanCluster.Cli.Tests;

/// <summary>An MSG-GAN run through the real CLI: train, sample and evaluate its checkpoint; bad combinations exit 2.</summary>
public class MsgCliTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-cli-msg-").FullName;

    [Fact]
    public void An_msg_run_trains_and_its_checkpoint_samples_and_evaluates()
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), """
            threads: 1
            steps: 4
            batch_size: 8
            data: { format: embedded, path: null, limit: 128 }
            model: { arch: msg, resolution: 8, nz: 8, fmaps: 8 }
            sample_every: 4
            log_every: 2
            """);
        var train = CliProcess.Run(_dir, "train", "--config", "m.yaml", "--out", "run");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.True(File.Exists(Path.Combine(_dir, "run", "samples", "step-000004.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "run", "samples", "scales-step-000004.png")));

        var sample = CliProcess.Run(_dir, "sample", "--checkpoint", "run", "--count", "4", "--out", "s.png");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        var evaluate = CliProcess.Run(_dir, "evaluate", "--samples", "run", "--count", "32", "--reference-count", "100", "--classifier", "none");
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.True(JsonNode.Parse(evaluate.Stdout.Trim())!["diversity"]!.GetValue<double>() > 0);
    }

    [Theory]
    [InlineData("progressive", "progressive.fade_images=1000")]
    [InlineData("model.resolution", "model.resolution=48")]
    public void Msg_with_progressive_keys_or_a_resolution_not_a_power_of_two_exits_2_naming_the_field(string field, string setting)
    {
        var r = CliProcess.Run(_dir, "train", "--set", "model.arch=msg", "--set", setting, "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(field + ":", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
