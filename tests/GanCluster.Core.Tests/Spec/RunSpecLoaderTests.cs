using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

public class RunSpecLoaderTests
{
    const string ContractExample = """
        seed: 1
        steps: 3000
        batch_size: 64
        data: { format: embedded, path: null }
        model: { arch: dcgan, resolution: 32, channels: 1, nz: 100, ngf: 64, ndf: 64 }
        loss: bce
        optim: { lr_g: 2.0e-4, lr_d: 2.0e-4, beta1: 0.5, beta2: 0.999 }
        sample_every: 100
        checkpoint: { every: 500, keep: 3 }
        """;

    [Fact]
    public void The_contract_example_loads_with_its_values()
    {
        var spec = RunSpecLoader.Parse(ContractExample);
        Assert.Equal(3000, spec.Steps);
        Assert.Equal(64, spec.BatchSize);
        Assert.Equal(DataFormat.Embedded, spec.Data.Format);
        Assert.Null(spec.Data.Path);
        Assert.Equal(ModelArch.Dcgan, spec.Model.Arch);
        Assert.Equal(100, spec.Model.Nz);
        Assert.Equal(LossKind.Bce, spec.Loss);
        Assert.Equal(2.0e-4, spec.Optim.LrG);
        Assert.Equal(0.5, spec.Optim.Beta1);
        Assert.Equal(500, spec.Checkpoint.Every);
    }

    [Fact]
    public void An_empty_spec_takes_every_default()
    {
        var spec = RunSpecLoader.Parse("");
        Assert.Equal(1, spec.Seed);
        Assert.Equal(32, spec.Model.Resolution);
        Assert.Equal(LossKind.Bce, spec.Loss);
    }

    [Fact]
    public void Overrides_set_nested_keys_and_parse_yaml_values()
    {
        var spec = RunSpecLoader.Parse(ContractExample, ["model.ngf=16", "steps=20", "loss=wgan-gp", "model.norm=none", "data.limit=1_000"]);
        Assert.Equal(16, spec.Model.Ngf);
        Assert.Equal(20, spec.Steps);
        Assert.Equal(LossKind.WganGp, spec.Loss);
        Assert.Equal(NormKind.None, spec.Model.Norm);
        Assert.Equal(1000, spec.Data.Limit);
    }

    [Fact]
    public void Every_problem_is_reported_with_path_expected_and_found()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            steps: many
            model: { resolution: 48, channels: 2, ngff: 3 }
            loss: l2
            optim: { lr_g: -1 }
            """));
        var paths = e.Problems.Select(p => p.Path).ToList();
        Assert.Contains("steps", paths);
        Assert.Contains("model.ngff", paths);
        Assert.Contains("loss", paths);
        var steps = e.Problems.Single(p => p.Path == "steps");
        Assert.Equal("an integer", steps.Expected);
        Assert.Equal("'many'", steps.Found);
        var typo = e.Problems.Single(p => p.Path == "model.ngff");
        Assert.Contains("did you mean 'ngf'", typo.Found);
        Assert.Contains("bce | hinge | wgan-gp", e.Problems.Single(p => p.Path == "loss").Expected);
    }

    [Fact]
    public void The_all_reduce_schedule_defaults_to_auto_and_names_its_choices_when_wrong()
    {
        Assert.Equal(AllReduceSchedule.Auto, RunSpecLoader.Parse("").Cluster.Transport.Schedule);
        Assert.Equal(AllReduceSchedule.Hierarchical, RunSpecLoader.Parse("cluster: { transport: { schedule: hierarchical } }").Cluster.Transport.Schedule);
        Assert.Equal(AllReduceSchedule.Ring, RunSpecLoader.Parse("", ["cluster.transport.schedule=ring"]).Cluster.Transport.Schedule);
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("cluster: { transport: { schedule: tree } }"));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("cluster.transport.schedule", problem.Path);
        Assert.Equal("one of auto | ring | hierarchical", problem.Expected);
        Assert.Equal("'tree'", problem.Found);
    }

    [Fact]
    public void Range_problems_are_all_reported_after_binding()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("model: { resolution: 48, channels: 2 }\noptim: { lr_g: -1 }\nbatch_size: 0"));
        var paths = e.Problems.Select(p => p.Path).Order().ToList();
        Assert.Equal(["batch_size", "model.channels", "model.resolution", "optim.lr_g"], paths);
        Assert.Contains("power of two", e.Problems.Single(p => p.Path == "model.resolution").Expected);
        Assert.Equal("48", e.Problems.Single(p => p.Path == "model.resolution").Found);
    }

    [Fact]
    public void Wgan_gp_with_batch_norm_is_refused_with_the_reason()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("loss: wgan-gp"));
        Assert.Equal("model.norm", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void Non_embedded_data_needs_a_path()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("data: { format: folder }"));
        Assert.Equal("data.path", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void Malformed_yaml_is_one_problem_with_its_position()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("model: { resolution: 32\nsteps: [1, 2"));
        var p = Assert.Single(e.Problems);
        Assert.StartsWith("line ", p.Path);
        Assert.Equal("valid YAML", p.Expected);
    }

    [Fact]
    public void A_bad_override_is_reported()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("", ["steps"]));
        Assert.Equal("--set", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void The_emitted_spec_reads_back_equal()
    {
        var spec = RunSpecLoader.Parse(ContractExample, ["model.ngf=16", "optim.lr_d=0.0004", "data.limit=10"]);
        string yaml = SpecEmitter.ToYaml(spec);
        var again = RunSpecLoader.Parse(yaml);
        Assert.Equal(yaml, SpecEmitter.ToYaml(again));
        Assert.Empty(SpecDiff.TrainingDifferences(spec, again));
        Assert.Contains("lr_d: 0.0004", yaml);
    }

    [Fact]
    public void A_missing_config_file_is_an_input_error()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.LoadFile("/nonexistent/run.yaml"));
        Assert.Equal("--config", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void Relative_data_paths_resolve_against_the_spec_file()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        string file = Path.Combine(dir, "run.yaml");
        File.WriteAllText(file, "data: { format: idx, path: digits.idx }");
        var spec = RunSpecLoader.LoadFile(file);
        Assert.Equal(Path.Combine(dir, "digits.idx"), spec.Data.Path);
    }
}
