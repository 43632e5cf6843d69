using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

public class ProgressiveSpecTests
{
    /// <summary>The issue's contract example, verbatim.</summary>
    public const string IssueExample = """
        model: { arch: progressive, resolution: 64, channels: 1, nz: 128, fmaps: 128 }
        progressive:
          start_resolution: 4
          fade_images: 600000          # images shown while alpha rises 0 -> 1
          stable_images: 600000        # images shown at alpha = 1
          batch_size: { 4: 128, 8: 128, 16: 128, 32: 64, 64: 32 }
          lr: { }                      # optional per-resolution overrides
          minibatch_stddev: true
          equalized_lr: true
          pixel_norm: true
          reset_optimizer_on_grow: true
          g_ema: 0.999
        policy:                        # applied in order; default [{ kind: fixed }]
          - { kind: ttur, lr_g: 1.0e-4, lr_d: 4.0e-4 }
          - { kind: skip-d, threshold: 0.3, max_consecutive: 5 }
          - { kind: adaptive, signal: r_t, target: 0.6, speed: 0.01, min_lr_d: 1.0e-5, max_lr_d: 1.0e-3 }
          - { kind: plateau, metric: loss_g, factor: 0.5, patience: 500, min_lr: 1.0e-6 }
        """;

    [Fact]
    public void The_issue_example_loads_with_its_values()
    {
        var spec = RunSpecLoader.Parse(IssueExample);
        Assert.Equal(ModelArch.Progressive, spec.Model.Arch);
        Assert.Equal(128, spec.Model.Fmaps);
        var p = Assert.IsType<ProgressiveSpec>(spec.Progressive);
        Assert.Equal(4, p.StartResolution);
        Assert.Equal(600_000, p.FadeImages);
        Assert.Equal(32, p.BatchSize[64]);
        Assert.Empty(p.Lr);
        Assert.Equal(0.999, p.GEma);
        Assert.Collection(spec.Policy,
            x => Assert.Equal(4.0e-4, Assert.IsType<TturPolicySpec>(x).LrD),
            x => Assert.Equal(5, Assert.IsType<SkipDPolicySpec>(x).MaxConsecutive),
            x => Assert.Equal(AdaptiveSignal.RealSign, Assert.IsType<AdaptivePolicySpec>(x).Signal),
            x => Assert.Equal(PlateauMetric.LossG, Assert.IsType<PlateauPolicySpec>(x).Metric));
    }

    [Fact]
    public void A_progressive_run_without_steps_trains_to_its_schedule_and_uses_wgan_gp()
    {
        var spec = RunSpecLoader.Parse("model: { arch: progressive, resolution: 16 }");
        Assert.Null(spec.Steps);
        Assert.Equal(LossKind.WganGp, spec.Loss);
        Assert.NotNull(spec.Progressive);
        var capped = RunSpecLoader.Parse("steps: 50\nloss: hinge\nmodel: { arch: progressive, resolution: 16 }");
        Assert.Equal(50, capped.Steps);
        Assert.Equal(LossKind.Hinge, capped.Loss);
    }

    [Fact]
    public void A_dcgan_run_keeps_its_defaults()
    {
        var spec = RunSpecLoader.Parse("");
        Assert.Equal(3000, spec.Steps);
        Assert.Null(spec.Progressive);
        Assert.IsType<FixedPolicySpec>(Assert.Single(spec.Policy));
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("steps: null"));
        Assert.Equal("steps", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void The_emitted_progressive_spec_reads_back_equal()
    {
        var spec = RunSpecLoader.Parse(IssueExample, ["progressive.batch_size={8: 16}"]);
        string yaml = SpecEmitter.ToYaml(spec);
        var again = RunSpecLoader.Parse(yaml);
        Assert.Equal(yaml, SpecEmitter.ToYaml(again));
        Assert.Empty(SpecDiff.TrainingDifferences(spec, again));
        Assert.Contains("kind: skip-d", yaml);
        Assert.Contains("signal: r_t", yaml);
        Assert.Contains("steps: null", yaml);
    }

    [Fact]
    public void Policy_problems_name_their_list_entry()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            policy:
              - { kind: sometimes }
              - { kind: adaptive, min_lr_d: 1.0e-3, max_lr_d: 1.0e-4, speed: 0 }
              - { kind: plateau, factor: 2, metric: fid }
            """));
        var paths = e.Problems.Select(p => p.Path).ToList();
        Assert.Contains("policy[0].kind", paths);
        Assert.Contains("policy[2].metric", paths);
        Assert.Contains("fixed | ttur | skip-d | adaptive | plateau", e.Problems.Single(p => p.Path == "policy[0].kind").Expected);
    }

    [Fact]
    public void Range_problems_of_policies_are_reported_after_binding()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            policy:
              - { kind: adaptive, min_lr_d: 1.0e-3, max_lr_d: 1.0e-4, speed: 0 }
              - { kind: plateau, factor: 2, patience: 0 }
              - { kind: skip-d, max_consecutive: 0 }
            """));
        var paths = e.Problems.Select(p => p.Path).Order().ToList();
        Assert.Equal(["policy[0].max_lr_d", "policy[0].speed", "policy[1].factor", "policy[1].patience", "policy[2].max_consecutive"], paths);
    }

    [Fact]
    public void Progressive_problems_are_reported_with_their_paths()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            model: { arch: progressive, resolution: 16 }
            progressive: { start_resolution: 32, fade_images: 0, batch_size: { 64: 8, 6: 2 }, g_ema: 1 }
            """));
        var paths = e.Problems.Select(p => p.Path).Distinct().Order().ToList();
        Assert.Equal(["progressive.batch_size", "progressive.fade_images", "progressive.g_ema", "progressive.start_resolution"], paths);
    }

    [Fact]
    public void A_progressive_section_on_a_dcgan_run_is_refused()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("progressive: { start_resolution: 4 }"));
        Assert.Equal("progressive", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void Ttur_and_per_resolution_rates_do_not_mix()
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse("""
            model: { arch: progressive, resolution: 16 }
            progressive: { lr: { 8: 0.002 } }
            policy: [ { kind: ttur } ]
            """));
        Assert.Equal("policy[0].kind", Assert.Single(e.Problems).Path);
    }

    [Fact]
    public void Wgan_gp_needs_no_norm_setting_for_progressive()
    {
        var spec = RunSpecLoader.Parse("model: { arch: progressive, resolution: 8 }\nloss: wgan-gp");
        Assert.Equal(NormKind.Batch, spec.Model.Norm); // unused by the progressive networks
    }
}
