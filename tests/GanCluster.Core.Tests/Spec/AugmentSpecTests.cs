using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

/// <summary>augment: and regularization: are read, defaulted, emitted and refused like every other section.</summary>
public class AugmentSpecTests
{
    [Fact]
    public void Defaults_are_off_and_the_keys_read_back()
    {
        var spec = RunSpecLoader.Parse("");
        Assert.Equal(AugmentKind.None, spec.Augment.Kind);
        Assert.Equal([AugmentOp.Translation, AugmentOp.Cutout, AugmentOp.Color], spec.Augment.Ops);
        Assert.Equal(0.6, spec.Augment.Target);
        Assert.Equal(500_000, spec.Augment.AdjustImages);
        Assert.Equal(0, spec.Regularization.R1Gamma);
        Assert.Equal(16, spec.Regularization.R1Every);
        Assert.False(spec.Regularization.SpectralNorm);

        var set = RunSpecLoader.Parse("""
            augment: { kind: ada, ops: [cutout, color], target: 0.5, adjust_images: 1e5, p: 0.25, interval: 2 }
            regularization: { r1_gamma: 0.5, r1_every: 4, spectral_norm: true }
            """);
        Assert.Equal(AugmentKind.Ada, set.Augment.Kind);
        Assert.Equal([AugmentOp.Cutout, AugmentOp.Color], set.Augment.Ops);
        Assert.Equal(100_000, set.Augment.AdjustImages);
        Assert.Equal(0.25, set.Augment.P);
        Assert.True(set.Regularization.SpectralNorm);
        var again = RunSpecLoader.Parse(SpecEmitter.ToYaml(set));
        Assert.Equal(SpecEmitter.ToYaml(set), SpecEmitter.ToYaml(again));
        Assert.Equal(AugmentKind.Diffaugment, RunSpecLoader.Parse("", ["augment.kind=diffaugment"]).Augment.Kind);
    }

    [Theory]
    [InlineData("augment: { kind: mixup }", "augment.kind", "none | diffaugment | ada")]
    [InlineData("augment: { ops: [translation, rotate] }", "augment.ops[1]", "translation | cutout | color")]
    [InlineData("augment: { kind: ada, ops: [] }", "augment.ops", "at least one op")]
    [InlineData("augment: { ops: [color, color] }", "augment.ops", "each op at most once")]
    [InlineData("augment: { target: 1.5 }", "augment.target", "[0, 1]")]
    [InlineData("augment: { p: -0.1 }", "augment.p", "[0, 1]")]
    [InlineData("augment: { adjust_images: 0 }", "augment.adjust_images", "a positive number")]
    [InlineData("augment: { interval: 0 }", "augment.interval", "a positive number")]
    [InlineData("augment: { strength: 1 }", "augment.strength", "one of the keys")]
    [InlineData("regularization: { r1_gamma: -1 }", "regularization.r1_gamma", "[0, 10000]")]
    [InlineData("regularization: { r1_every: 0 }", "regularization.r1_every", "a positive number")]
    [InlineData("regularization: { spectral_norm: maybe }", "regularization.spectral_norm", "true or false")]
    [InlineData("regularization: { r1: 1 }", "regularization.r1", "one of the keys")]
    [InlineData("model: { arch: progressive, resolution: 16 }\nregularization: { spectral_norm: true }", "regularization.spectral_norm", "model.arch progressive")]
    [InlineData("collapse: { response: { enabled: true, mitigation: [{ kind: rescue, p: 2 }] } }\ncheckpoint: { every: 10 }", "collapse.response.mitigation[0].p", "[0, 1]")]
    [InlineData("collapse: { response: { enabled: true, mitigation: [{ kind: rescue, patience: 0 }] } }\ncheckpoint: { every: 10 }", "collapse.response.mitigation[0].patience", "a positive number")]
    public void Bad_values_are_refused_naming_the_field(string yaml, string path, string expected)
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse(yaml));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(expected, problem.Expected);
    }

    [Fact]
    public void The_rescue_mitigation_reads_with_its_defaults()
    {
        var spec = RunSpecLoader.Parse("collapse: { response: { enabled: true, mitigation: [{ kind: scale_lr }, { kind: rescue, r1_gamma: 2 }] } }\ncheckpoint: { every: 10 }");
        var rescue = Assert.IsType<RescueMitigation>(spec.Collapse.Response.Mitigation[1]);
        Assert.Equal(2, rescue.R1Gamma);
        Assert.Equal(0.2, rescue.P);
        Assert.Equal(2, rescue.MaxRescues);
    }
}
