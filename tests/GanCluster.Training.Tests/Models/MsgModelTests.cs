using GanCluster.Core.Spec;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Msg;
using GanCluster.Training.Models.Progressive;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>MSG-GAN's networks: an image at every scale from G, every scale read by D, gradients to every scale.</summary>
public class MsgModelTests
{
    static RunSpec Spec(int resolution, string combine = "simple", int fmaps = 8, int channels = 1) =>
        RunSpecLoader.Parse($"model: {{ arch: msg, resolution: {resolution}, channels: {channels}, nz: 8, fmaps: {fmaps} }}\nmsg: {{ combine: {combine} }}");

    static (MsgGenerator G, MsgDiscriminator D) Create(RunSpec spec)
    {
        var (g, d) = GanModels.Create(spec, CPU);
        return ((MsgGenerator)g, (MsgDiscriminator)d);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static TheoryData<int, string> Resolutions => new()
    {
        { 8, "simple" }, { 8, "lin_cat" }, { 16, "lin_cat" }, { 32, "simple" }, { 64, "lin_cat" }, { 128, "simple" },
        { 256, "lin_cat" }, { 512, "simple" }, { 1024, "simple" }, { 1024, "lin_cat" },
    };

    [Theory]
    [MemberData(nameof(Resolutions))]
    public void The_generator_emits_every_scale_and_the_discriminator_reads_them_from_8_to_1024(int resolution, string combine)
    {
        var (g, d) = Create(Spec(resolution, combine, fmaps: 2, channels: 3));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = randn(2, 8);
        var scales = g.Scales(z);
        var sides = Enumerable.Range(2, System.Numerics.BitOperations.Log2((uint)resolution) - 1).Select(k => 1L << k).ToList();
        Assert.Equal(sides, scales.Select(s => s.shape[2]));
        Assert.All(scales, s => Assert.Equal([2L, 3, s.shape[2], s.shape[2]], s.shape));
        Assert.True(Same(g.forward(z), scales[^1])); // samples and metrics see the final scale

        var packed = ScalePyramid.Pack(scales);
        Assert.Equal([2L, 3, resolution, resolution * 3 / 2], packed.shape);
        var unpacked = ScalePyramid.Unpack(packed);
        Assert.Equal(scales.Count, unpacked.Count);
        for (int i = 0; i < scales.Count; i++) Assert.True(Same(unpacked[i], scales[i]));
        Assert.Equal([2L], d.forward(packed).shape);
        Assert.Equal([2L, d.FeatureSize], d.Features(packed).shape);
    }

    [Fact]
    public void Real_images_are_downsampled_to_every_scale_and_a_plain_image_is_judged_like_its_packed_scales()
    {
        var (_, d) = Create(Spec(16));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var image = rand(3, 1, 16, 16) * 2 - 1;
        var scales = ScalePyramid.Unpack(ScalePyramid.Reals(image));
        Assert.True(Same(scales[^1], image));
        for (int i = 0; i < scales.Count - 1; i++)
            Assert.True(scales[i].allclose(ProgressiveOps.Downsample(image, 16 / (int)scales[i].shape[2]), 1e-6, 1e-6));
        Assert.True(Same(d.forward(image), d.forward(ScalePyramid.Reals(image))));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("lin_cat")]
    public void The_discriminator_loss_sends_gradients_to_every_scale_of_both_networks(string combine)
    {
        var (g, d) = Create(Spec(32, combine));
        using var scope = NewDisposeScope();
        var fake = ScalePyramid.Generate(g, randn(4, 8)); // not detached: what reaches G through D's loss
        var real = ScalePyramid.Reals(rand(4, 1, 32, 32) * 2 - 1);
        using var rng = new Generator(1);
        new RaHingeLoss().Discriminator(d, real, fake, d.forward(real), d.forward(fake), rng).backward();
        // D's output bias shifts real and fake logits alike, which a relativistic loss cannot see: its gradient is 0.
        foreach (var (name, p) in g.named_parameters().Concat(d.named_parameters().Where(p => p.name != "out.bias")))
            Assert.True(p.grad is { } grad && grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
        // Every toRGB is a parameter that a ProGAN at its last stage would leave untouched: here each scale has one.
        Assert.Equal(4, g.named_parameters().Count(p => p.name.Contains("torgb") && p.name.EndsWith(".weight")));
    }

    [Fact]
    public void Every_scale_changes_the_discriminator_s_judgement()
    {
        var (_, d) = Create(Spec(16, "lin_cat"));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var packed = ScalePyramid.Reals(rand(2, 1, 16, 16));
        var before = d.forward(packed);
        foreach (var scale in ScalePyramid.Unpack(packed))
        {
            var changed = packed.clone();
            ScalePyramid.Unpack(changed)[(int)Math.Log2(scale.shape[2]) - 2].add_(0.5); // a view: changes that scale only
            Assert.False(d.forward(changed).allclose(before, 1e-7, 1e-7), $"the {scale.shape[2]}x{scale.shape[2]} scale is ignored");
        }
    }
}
