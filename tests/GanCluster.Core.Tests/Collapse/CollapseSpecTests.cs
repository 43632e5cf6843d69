using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Collapse;

public class CollapseSpecTests
{
    [Fact]
    public void Defaults_monitor_every_500_steps_with_the_response_off()
    {
        var spec = RunSpecLoader.Parse("");
        Assert.True(spec.Collapse.Enabled);
        Assert.Equal(500, spec.Collapse.Every);
        Assert.Equal(512, spec.Collapse.SampleSize);
        Assert.False(spec.Collapse.Response.Enabled);
        var m = Assert.IsType<ScaleLrMitigation>(Assert.Single(spec.Collapse.Response.Mitigation));
        Assert.Equal(0.5, m.LrG);
    }

    [Fact]
    public void The_section_binds_nested_keys_and_mitigation_kinds()
    {
        var spec = RunSpecLoader.Parse("""
            collapse:
              every: 50
              raise_threshold: 0.6
              response: { enabled: true, window: 3, max_rollbacks: 1, mitigation: [{ kind: scale_lr, lr_g: 0.1, lr_d: 0.2 }] }
            """);
        Assert.Equal(50, spec.Collapse.Every);
        Assert.Equal(3, spec.Collapse.Response.Window);
        var m = Assert.IsType<ScaleLrMitigation>(Assert.Single(spec.Collapse.Response.Mitigation));
        Assert.Equal(0.1, m.LrG);
        Assert.Equal(0.2, m.LrD);
        string yaml = SpecEmitter.ToYaml(spec);
        Assert.Contains("kind: scale_lr", yaml);
        Assert.Equal(yaml, SpecEmitter.ToYaml(RunSpecLoader.Parse(yaml)));
    }

    [Fact]
    public void An_unknown_mitigation_kind_is_a_binding_problem()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("collapse: { response: { mitigation: [{ kind: shrink }] } }"));
        var p = Assert.Single(e.Problems);
        Assert.Equal("collapse.response.mitigation[0].kind", p.Path);
        Assert.Contains("scale_lr", p.Expected);
    }

    [Fact]
    public void Bad_values_are_reported_with_their_paths()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            collapse:
              every: 0
              sample_size: 3
              raise_threshold: 0.3
              clear_threshold: 0.4
              response: { window: 0 }
            """));
        var paths = e.Problems.Select(p => p.Path).Order().ToList();
        Assert.Equal(["collapse.clear_threshold", "collapse.every", "collapse.response.window", "collapse.sample_size"], paths);
    }

    [Fact]
    public void Range_and_combination_problems_after_binding()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            checkpoint: { every: 0 }
            collapse: { response: { enabled: true, mitigation: [{ kind: scale_lr, lr_g: -1 }] } }
            """));
        var paths = e.Problems.Select(p => p.Path).ToList();
        Assert.Contains("collapse.response.enabled", paths); // needs checkpoints
        Assert.Contains("collapse.response.mitigation[0].lr_g", paths);
        var off = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("collapse: { enabled: false, response: { enabled: true } }"));
        Assert.Equal("collapse.response.enabled", Assert.Single(off.Problems).Path);
    }

    [Fact]
    public void The_collapse_section_does_not_change_the_spec_hash()
    {
        var a = RunSpecLoader.Parse("steps: 10");
        var b = RunSpecLoader.Parse("steps: 10\ncollapse: { every: 7, response: { enabled: true } }");
        Assert.Equal(SpecDiff.Hash(a), SpecDiff.Hash(b));
        Assert.Empty(SpecDiff.TrainingDifferences(a, b));
    }

    [Fact]
    public void A_relative_classifier_path_resolves_against_the_spec_file()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        string file = Path.Combine(dir, "run.yaml");
        File.WriteAllText(file, "collapse: { classifier: weights/c.bin }");
        Assert.Equal(Path.Combine(dir, "weights", "c.bin"), RunSpecLoader.LoadFile(file).Collapse.Classifier);
        Assert.Equal("auto", RunSpecLoader.Parse("").Collapse.Classifier);
    }

    [Fact]
    public void The_collapse_response_example_loads()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "examples", "mnist-collapse-response.yaml"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var spec = RunSpecLoader.LoadFile(Path.Combine(dir.FullName, "examples", "mnist-collapse-response.yaml"));
        Assert.True(spec.Collapse.Response.Enabled);
        Assert.Equal(100, spec.Collapse.Every);
    }
}
