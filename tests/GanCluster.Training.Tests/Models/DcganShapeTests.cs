using GanCluster.Core.Spec;
using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

public class DcganShapeTests
{
    [Theory]
    [InlineData(8, 1)]
    [InlineData(32, 1)]
    [InlineData(64, 3)]
    [InlineData(128, 3)]
    public void Generator_and_discriminator_shapes_follow_the_resolution(int resolution, int channels)
    {
        var spec = new ModelSpec { Resolution = resolution, Channels = channels, Nz = 16, Ngf = 4, Ndf = 4 };
        using var g = new DcganGenerator(spec);
        using var d = new DcganDiscriminator(spec);
        using var scope = NewDisposeScope();
        var images = g.forward(randn(2, 16));
        Assert.Equal(new long[] { 2, channels, resolution, resolution }, images.shape);
        Assert.True(images.abs().max().item<float>() <= 1f, "tanh output must be in [-1, 1]");
        Assert.Equal(new long[] { 2 }, d.forward(images).shape);
        Assert.Equal(new long[] { 2, d.FeatureSize }, d.Features(images).shape);
    }

    [Fact]
    public void The_64px_generator_matches_pytorch_examples_dcgan_widths()
    {
        var spec = new ModelSpec { Resolution = 64, Channels = 3, Nz = 100, Ngf = 64, Ndf = 64 };
        using var g = new DcganGenerator(spec);
        using var d = new DcganDiscriminator(spec);
        // pytorch/examples dcgan: G 3,576,704 parameters and D 2,765,568 for nz=100, ngf=ndf=64, nc=3.
        Assert.Equal(3_576_704, g.parameters().Sum(p => p.numel()));
        Assert.Equal(2_765_568, d.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Initialisation_follows_dcgan()
    {
        var spec = new ModelSpec { Resolution = 32, Ngf = 32, Ndf = 32 };
        using var g = new DcganGenerator(spec);
        using var rng = new Generator(1);
        WeightInit.Dcgan(g, rng);
        var named = g.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var conv = named.First(p => p.Key.EndsWith("convt1.weight")).Value;
        Assert.InRange(conv.std().item<float>(), 0.018f, 0.022f);
        Assert.InRange(conv.mean().item<float>(), -0.002f, 0.002f);
        var bnWeight = named.First(p => p.Key.EndsWith("bn1.weight")).Value;
        Assert.InRange(bnWeight.mean().item<float>(), 0.99f, 1.01f);
        Assert.Equal(0f, named.First(p => p.Key.EndsWith("bn1.bias")).Value.abs().sum().item<float>());
    }
}
