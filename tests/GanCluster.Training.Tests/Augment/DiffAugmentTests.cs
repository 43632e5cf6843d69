using GanCluster.Core.Spec;
using GanCluster.Training.Augment;
using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Augment;

/// <summary>
/// The augmentations of D's inputs change the images, let D's gradient through to G (the point of "differentiable"),
/// and draw from counter-based randomness: the same (seed, step, rank, use) gives the same images.
/// </summary>
public class DiffAugmentTests
{
    static Tensor Images(ulong seed = 7, long batch = 6)
    {
        using var g = new Generator(seed);
        return rand([batch, 1, 16, 16], generator: g) * 2 - 1;
    }

    [Theory]
    [InlineData(AugmentOp.Translation)]
    [InlineData(AugmentOp.Cutout)]
    [InlineData(AugmentOp.Color)]
    public void Each_op_changes_the_images_and_passes_gradients_back(AugmentOp op)
    {
        using var scope = NewDisposeScope();
        var x = Images().requires_grad_(true);
        var augment = new DiscriminatorAugment(AugmentKind.Diffaugment, [op]);
        var y = augment.Apply(x, DiscriminatorAugment.Use.FakeForD, seed: 1, step: 1, rank: 0);
        Assert.Equal(x.shape, y.shape);
        Assert.True((y - x).abs().max().item<float>() > 1e-3, $"{op} left the images unchanged");
        // d(sum(w * y))/dx is w pushed back through the op: nonzero wherever the op keeps a pixel.
        using var g = new Generator(3);
        var w = randn(y.shape, generator: g);
        (w * y).sum().backward();
        Assert.NotNull(x.grad);
        Assert.True(x.grad!.abs().sum().item<float>() > 0, $"no gradient through {op}");
        Assert.True(x.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void Translation_moves_pixels_and_fills_with_zero()
    {
        using var scope = NewDisposeScope();
        // One bright pixel in the middle: after translation it is still one bright pixel (moved by at most 2), or none.
        var x = zeros([32, 1, 16, 16]);
        x[.., .., 8, 8] = tensor(1f);
        var y = DiffAugmentOps.Translation(x, new Generator(5));
        var ones = y.eq(1f).sum([1, 2, 3]);
        Assert.True(ones.eq(1).all().item<bool>());
        var where = y.flatten(1).argmax(1);
        var (row, col) = (where.div(16, rounding_mode: RoundingMode.floor), where.remainder(16));
        Assert.True((row - 8).abs().le(2).all().item<bool>() && (col - 8).abs().le(2).all().item<bool>());
        Assert.True(where.ne(8 * 16 + 8).any().item<bool>(), "no image moved");
    }

    [Fact]
    public void Cutout_zeroes_a_square_of_half_the_side_or_its_clipped_part()
    {
        using var scope = NewDisposeScope();
        var x = ones([32, 1, 16, 16]);
        var y = DiffAugmentOps.Cutout(x, new Generator(5));
        var zeroed = y.eq(0).sum([1, 2, 3]);
        Assert.True(zeroed.le(64).all().item<bool>() && zeroed.gt(0).all().item<bool>());
        Assert.True(zeroed.eq(64).any().item<bool>(), "no full 8x8 square");
    }

    [Fact]
    public void The_generator_gets_D_s_gradient_through_the_augmented_fakes()
    {
        using var scope = NewDisposeScope();
        var spec = TinySpecs.Dcgan("augment.kind=ada");
        var (g, d) = GanModels.Create(spec, CPU);
        var augment = new DiscriminatorAugment(AugmentKind.Ada, spec.Augment.Ops) { P = 0.5 };
        var fake = g.forward(randn([8, spec.Model.Nz], generator: new Generator(1)));
        var augmented = augment.Apply(fake, DiscriminatorAugment.Use.FakeForG, 1, 1, 0);
        Assert.True((augmented - fake).abs().max().item<float>() > 1e-3);
        d.forward(augmented).mean().backward();
        foreach (var p in g.parameters())
            Assert.True(p.grad is { } grad && grad.abs().sum().item<float>() > 0, "a generator parameter got no gradient through the augmentation");
    }

    [Fact]
    public void Draws_are_counter_based_the_same_for_the_same_counters_and_different_otherwise()
    {
        using var scope = NewDisposeScope();
        var augment = new DiscriminatorAugment(AugmentKind.Ada, [AugmentOp.Translation, AugmentOp.Cutout, AugmentOp.Color]) { P = 0.5 };
        var x = Images();
        var a = augment.Apply(x, DiscriminatorAugment.Use.RealForD, 11, 5, 0);
        var again = new DiscriminatorAugment(AugmentKind.Ada, augment.Ops) { P = 0.5 }.Apply(x, DiscriminatorAugment.Use.RealForD, 11, 5, 0);
        Assert.True(a.equal(again).all().item<bool>());
        foreach (var other in new[]
                 {
                     augment.Apply(x, DiscriminatorAugment.Use.RealForD, 11, 6, 0),
                     augment.Apply(x, DiscriminatorAugment.Use.FakeForD, 11, 5, 0),
                     augment.Apply(x, DiscriminatorAugment.Use.RealForD, 12, 5, 0),
                     augment.Apply(x, DiscriminatorAugment.Use.RealForD, 11, 5, 1),
                 })
            Assert.False(a.equal(other).all().item<bool>());
        // p = 0 (ADA's start) leaves D's inputs alone.
        var off = new DiscriminatorAugment(AugmentKind.Ada, augment.Ops) { P = 0 };
        Assert.True(off.Apply(x, DiscriminatorAugment.Use.RealForD, 11, 5, 0).equal(x).all().item<bool>());
    }
}
