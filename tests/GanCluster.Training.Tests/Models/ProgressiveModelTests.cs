using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Progressive;
using GanCluster.Training.Planning;
using GanCluster.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

public class ProgressiveModelTests
{
    static readonly RunSpec Spec = RunSpecLoader.Parse("model: { arch: progressive, resolution: 16, channels: 3, nz: 8, fmaps: 8 }");

    static (ProgressiveGenerator G, ProgressiveDiscriminator D) Create()
    {
        var (g, d) = GanModels.Create(Spec, CPU);
        return ((ProgressiveGenerator)g, (ProgressiveDiscriminator)d);
    }

    /// <summary>Bitwise equal values and the same shape.</summary>
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static void SetStage(ProgressiveStage stage, params IProgressiveNetwork[] networks)
    {
        foreach (var n in networks) n.Stage = stage;
    }

    public static TheoryData<int, bool, double> Stages => new()
    {
        { 4, false, 1.0 }, { 8, true, 0.0 }, { 8, true, 0.5 }, { 8, false, 1.0 }, { 16, true, 0.25 }, { 16, false, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void Every_stage_has_the_shapes_of_its_resolution(int resolution, bool fading, double alpha)
    {
        var (g, d) = Create();
        SetStage(new ProgressiveStage(resolution, fading, alpha), g, d);
        using var scope = NewDisposeScope();
        var images = g.forward(randn(6, 8));
        Assert.Equal([6L, 3, resolution, resolution], images.shape);
        Assert.Equal([6L], d.forward(images).shape);
        Assert.Equal([6L, d.FeatureSize], d.Features(images).shape);
    }

    [Fact]
    public void A_run_may_start_above_4x4_without_equalization_stddev_or_pixel_norm()
    {
        var spec = RunSpecLoader.Parse("""
            model: { arch: progressive, resolution: 16, nz: 8, fmaps: 8 }
            progressive: { start_resolution: 8, equalized_lr: false, minibatch_stddev: false, pixel_norm: false }
            """);
        var (g, d) = GanModels.Create(spec, CPU);
        using var scope = NewDisposeScope();
        foreach (var stage in new[] { ProgressiveStage.Stable(8), new ProgressiveStage(16, true, 0.3), ProgressiveStage.Stable(16) })
        {
            SetStage(stage, (IProgressiveNetwork)g, (IProgressiveNetwork)d);
            var images = g.forward(randn(3, 8));
            Assert.Equal([3L, 1, stage.Resolution, stage.Resolution], images.shape);
            Assert.Equal([3L], d.forward(images).shape);
        }
    }

    [Fact]
    public void At_alpha_0_a_fading_stage_computes_exactly_the_previous_stage()
    {
        var (g, d) = Create();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = randn(4, 8);
        SetStage(ProgressiveStage.Stable(8), g, d);
        var previous = g.forward(z);
        var realsSmall = randn(4, 3, 8, 8);
        var judgedSmall = d.forward(realsSmall);
        SetStage(new ProgressiveStage(16, true, 0.0), g, d);
        Assert.True(Same(g.forward(z), ProgressiveOps.Upsample(previous)));
        // D sees a 16x16 image whose 2x2 blocks are the 8x8 image: the 8x8 path gets exactly the 8x8 image.
        Assert.True(Same(d.forward(ProgressiveOps.Upsample(realsSmall)), judgedSmall));
    }

    [Fact]
    public void Real_images_are_blended_like_the_generator_output()
    {
        using var scope = NewDisposeScope();
        var full = randn(2, 1, 16, 16);
        var at8 = ProgressiveOps.Downsample(full, 2);
        Assert.True(Same(ProgressiveOps.Reals(full, 8, 1.0, fading: false), at8));
        Assert.True(Same(ProgressiveOps.Reals(full, 8, 0.0, fading: true), ProgressiveOps.Upsample(ProgressiveOps.Downsample(at8))));
        var half = ProgressiveOps.Reals(full, 8, 0.5, fading: true);
        Assert.True(half.allclose((at8 + ProgressiveOps.Upsample(ProgressiveOps.Downsample(at8))) / 2, 1e-6, 1e-6));
        Assert.True(Same(ProgressiveOps.Reals(full, 16, 1.0, fading: false), full));
    }

    [Fact]
    public void Only_the_active_blocks_train_and_the_old_to_rgb_leaves_after_the_fade_in()
    {
        var (g, d) = Create();
        int Count(IReadOnlyList<TorchSharp.Modules.Parameter> ps) => ps.Count;
        SetStage(ProgressiveStage.Stable(4), g, d);
        int g4 = Count(g.ActiveParameters()), d4 = Count(d.ActiveParameters());
        SetStage(new ProgressiveStage(8, true, 0.5), g, d);
        int g8fade = Count(g.ActiveParameters()), d8fade = Count(d.ActiveParameters());
        SetStage(ProgressiveStage.Stable(8), g, d);
        int g8 = Count(g.ActiveParameters()), d8 = Count(d.ActiveParameters());
        Assert.Equal(g4 + 4 + 2, g8fade); // block8 (2 convs x weight, bias) and toRGB8
        Assert.Equal(g8fade - 2, g8);     // toRGB4 no longer used
        Assert.Equal(d4 + 4 + 2, d8fade);
        Assert.Equal(d8fade - 2, d8);

        // Backward at the fading stage reaches exactly the active parameters.
        SetStage(new ProgressiveStage(8, true, 0.5), g, d);
        using var scope = NewDisposeScope();
        d.forward(g.forward(randn(4, 8))).sum().backward();
        var active = g.ActiveParameters().Concat(d.ActiveParameters()).Select(p => p.Handle).ToHashSet();
        foreach (var p in g.parameters().Concat(d.parameters()))
            Assert.Equal(active.Contains(p.Handle), p.grad is not null);
    }

    [Fact]
    public void The_gradient_buckets_follow_the_active_blocks()
    {
        var (g, d) = Create();
        using var optG = optim.Adam(g.parameters());
        using var optD = optim.Adam(d.parameters());
        using var step = new GanStep(g, d, 8, new WganGpLoss(), optG, optD, CPU);
        long all = step.BytesPerStep;
        SetStage(ProgressiveStage.Stable(4), g, d);
        step.UseParameters(g.ActiveParameters(), d.ActiveParameters());
        long at4 = step.BytesPerStep;
        Assert.Equal((g.ActiveParameters().Sum(p => p.numel()) + d.ActiveParameters().Sum(p => p.numel()) + 6) * 4, at4); // + statistic slots: D 4, G 2
        Assert.True(at4 < all);
        // A step at 4x4 updates only the active parameters.
        var before = g.parameters().Select(p => p.detach().clone()).ToList();
        var stats = step.Run(randn(4, 3, 4, 4), 1, 1, SingleProcessCollective.Instance);
        Assert.True(stats.DUpdated && stats.GUpdated);
        var active = g.ActiveParameters().Select(p => p.Handle).ToHashSet();
        var parameters = g.parameters().ToList();
        for (int i = 0; i < parameters.Count; i++)
            Assert.Equal(active.Contains(parameters[i].Handle), !Same(parameters[i], before[i]));
    }

    [Fact]
    public void Minibatch_stddev_appends_one_map_and_groups_by_a_divisor_of_the_batch()
    {
        using var scope = NewDisposeScope();
        var x = randn(6, 5, 4, 4); // 6 is not a multiple of 4: groups of 3
        var y = ProgressiveOps.MinibatchStddev(x, 4);
        Assert.Equal([6L, 6, 4, 4], y.shape);
        Assert.True(Same(y.narrow(1, 0, 5), x));
        // Sample i is in group i mod 2; its statistic is the mean over features of the stddev across the group.
        var group0 = x.index_select(0, tensor(new long[] { 0, 2, 4 }));
        double expected = (group0.var(0, unbiased: false) + 1e-8).sqrt().mean().item<float>();
        Assert.Equal(expected, y[0, 5, 0, 0].item<float>(), 5);
        Assert.Equal(expected, y[4, 5, 3, 3].item<float>(), 5);
        var same = ProgressiveOps.MinibatchStddev(ones(4, 2, 2, 2), 4);
        Assert.Equal(1e-4, same[0, 2, 0, 0].item<float>(), 6);
    }

    [Fact]
    public void Pixel_norm_gives_unit_mean_square_per_pixel()
    {
        using var scope = NewDisposeScope();
        var y = ProgressiveOps.PixelNorm(randn(3, 7, 4, 4) * 5);
        Assert.True(y.square().mean([1]).allclose(ones(3, 4, 4), 1e-4, 1e-4));
    }

    [Fact]
    public void Equalized_layers_store_unit_weights_and_scale_them_at_run_time()
    {
        var conv = new EqualizedConv2d(16, 32, 3, Math.Sqrt(2), equalized: true);
        using var rng = new Generator(3);
        ProgressiveInit.Apply(conv, rng);
        using var scope = NewDisposeScope();
        Assert.Equal(1.0, conv.Weight.std().item<float>(), 1);
        Assert.Equal(Math.Sqrt(2) / Math.Sqrt(16 * 9), conv.HeStd, 12);
        var x = randn(2, 16, 5, 5);
        var expected = nn.functional.conv2d(x, conv.Weight * conv.HeStd, padding: [1, 1]);
        Assert.True(conv.forward(x).allclose(expected, 1e-5, 1e-6));
    }

    [Fact]
    public void The_generator_ema_follows_the_generator_at_its_rate()
    {
        var (g, _) = Create();
        var (copy, _) = Create();
        using var ema = new GeneratorEma(g, copy, 0.75);
        var p = g.parameters().First();
        var start = p.detach().clone();
        using (no_grad()) p.add_(1.0);
        ema.Update();
        Assert.True(copy.parameters().First().allclose(start + 0.25, 1e-6, 1e-6));
        Assert.False(copy.parameters().First().requires_grad);
    }

    [Fact]
    public void Resetting_the_optimizer_zeroes_every_adam_state_in_place()
    {
        var (g, _) = Create();
        using var adam = optim.Adam(g.parameters(), 1e-3);
        SetStage(ProgressiveStage.Stable(4), g);
        using (NewDisposeScope()) g.forward(randn(2, 8)).square().mean().backward();
        adam.step();
        var states = adam.state_dict().State.Cast<TorchSharp.Modules.Adam.State>().ToList();
        Assert.Contains(states, s => s.step == 1);
        PlanExecutor.ResetOptimizer(adam);
        Assert.All(adam.state_dict().State.Cast<TorchSharp.Modules.Adam.State>(),
            s => Assert.True(s.step == 0 && s.exp_avg.count_nonzero().item<long>() == 0 && s.exp_avg_sq.count_nonzero().item<long>() == 0));
    }
}
