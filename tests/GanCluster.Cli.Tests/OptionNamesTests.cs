using GanCluster.Core.Runs;

namespace GanCluster.Cli.Tests;

/// <summary>One name per concept: the old spellings are refused with one line that names the new one (exit 2).</summary>
public class OptionNamesTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-options-");

    [Theory]
    [InlineData("--count", "sample", "--checkpoint", "run", "--n", "4", "--out", "x.png")]
    [InlineData("--reference-count", "evaluate", "--samples", "run", "--reference-n", "50")]
    [InlineData("--device", "trainer", "--out", "run", "--devices", "cpu,cpu")]
    public void An_old_spelling_is_refused_with_a_did_you_mean_line(string renamed, params string[] args)
    {
        var r = CliProcess.Run(_dir, args);
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"(did you mean '{renamed}'?)", line);
        Assert.StartsWith($"gancluster {args[0]}: unknown option", line);
    }

    [Fact]
    public void Train_takes_one_device_and_says_so_for_a_list()
    {
        var r = CliProcess.Run(_dir, "train", "--device", "cpu,cpu");
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        Assert.StartsWith("input: --device: expected one device", r.Stderr.Trim());
    }

    [Fact]
    public void Spec_show_prints_the_resolved_spec_with_comments()
    {
        var r = CliProcess.Run(_dir, "spec", "show", "--set", "steps=7", "--set", "model.ngf=16");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("\nsteps: 7\n", r.Stdout);
        Assert.Contains("  # generator feature maps (width of the last block)\n  ngf: 16\n", r.Stdout);
        Assert.Equal(16, Core.Spec.RunSpecLoader.Parse(r.Stdout).Model.Ngf);
    }

    [Fact]
    public void Spec_schema_prints_the_schema()
    {
        var r = CliProcess.Run(_dir, "spec", "schema");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var schema = System.Text.Json.Nodes.JsonNode.Parse(r.Stdout)!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string)schema["$schema"]!);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(Core.Spec.SpecJsonSchema.Generate(), schema));
    }
}
