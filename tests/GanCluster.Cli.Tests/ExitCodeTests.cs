namespace GanCluster.Cli.Tests;

/// <summary>Bad input: one clear line per problem on stderr, exit code 2, never a stack trace.</summary>
public class ExitCodeTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-cli-").FullName;

    [Fact]
    public void An_unknown_spec_key_exits_2_with_the_field()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.yaml"), "model: { ngff: 16 }\n");
        var r = CliProcess.Run(_dir, "train", "--config", "bad.yaml", "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("model.ngff", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run", "checkpoints")), "nothing should be written for a bad spec");
    }

    [Fact]
    public void A_missing_config_exits_2()
    {
        var r = CliProcess.Run(_dir, "train", "--config", "nope.yaml");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--config", r.Stderr);
    }

    [Fact]
    public void A_bad_override_value_exits_2()
    {
        var r = CliProcess.Run(_dir, "train", "--set", "steps=lots", "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("steps: expected an integer, found 'lots'", r.Stderr);
    }

    [Fact]
    public void An_unknown_option_exits_2()
    {
        var r = CliProcess.Run(_dir, "train", "--no-such-option");
        Assert.True(r.ExitCode == 2, r.ToString());
    }

    [Fact]
    public void A_missing_dataset_exits_2()
    {
        var r = CliProcess.Run(_dir, "train", "--set", "data.format=idx", "--set", "data.path=missing.idx", "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("missing.idx", r.Stderr);
    }

    [Fact]
    public void Sampling_from_a_missing_checkpoint_exits_2()
    {
        var r = CliProcess.Run(_dir, "sample", "--checkpoint", "nowhere", "--out", "x.png");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--checkpoint", r.Stderr);
    }

    [Fact]
    public void A_run_too_large_for_the_machine_exits_2_naming_the_batch_before_writing_anything()
    {
        // 8192 images of 1024 px through default-width DCGAN blocks: terabytes of activations on any machine.
        var r = CliProcess.Run(_dir, "train", "--set", "model.resolution=1024", "--set", "batch_size=8192", "--out", "run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("batch_size: expected a run that fits this machine's", r.Stderr);
        Assert.Contains("activations", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run", "checkpoints")), "nothing should be written for a run that cannot fit");
    }
}
