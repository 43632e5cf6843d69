using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

/// <summary>`gancluster spec show`: the resolved spec with a comment per key, which reads back as the same spec.</summary>
public class SpecDocumentWriterTests
{
    [Theory]
    [InlineData("")]
    [InlineData("model: { arch: progressive, resolution: 16 }\nprogressive: { batch_size: { 4: 64, 8: 32 }, lr: { 16: 0.001 } }\n")]
    [InlineData("policy: [{ kind: ttur, lr_g: 1.0e-4, lr_d: 4.0e-4 }, { kind: skip-d, threshold: 0.3 }]\ndata: { format: idx, path: \"a: b.idx\" }\n")]
    public void The_commented_yaml_reads_back_as_the_same_spec(string yaml)
    {
        var spec = RunSpecLoader.Parse(yaml, baseDir: "/specs");
        string shown = SpecDocumentWriter.ToCommentedYaml(spec, "a header");
        Assert.Equal(SpecDiff.Flatten(spec), SpecDiff.Flatten(RunSpecLoader.Parse(shown, baseDir: "/specs")));
        Assert.StartsWith("# a header\n", shown);
    }

    [Fact]
    public void Every_key_is_preceded_by_its_comment()
    {
        var lines = SpecDocumentWriter.ToCommentedYaml(new RunSpec()).Split('\n');
        int i = Array.FindIndex(lines, l => l.StartsWith("batch_size:", StringComparison.Ordinal));
        Assert.StartsWith("# images per step per rank", lines[i - 1]);
        i = Array.FindIndex(lines, l => l.Trim().StartsWith("min_workers:", StringComparison.Ordinal));
        Assert.StartsWith("  # the run continues while at least", lines[i - 1]);
    }
}
