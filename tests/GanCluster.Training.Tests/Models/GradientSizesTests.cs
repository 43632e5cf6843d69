using GanCluster.Core.Scaling;
using GanCluster.Core.Spec;
using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>The scaling model's gradient sizes (Core, from layer shapes) are the real modules' trainable parameter counts.</summary>
public class GradientSizesTests
{
    static (long G, long D) Count(string yaml)
    {
        var (g, d) = GanModels.Create(RunSpecLoader.Parse(yaml), CPU);
        using (g)
        using (d)
            return (g.parameters().Sum(p => p.numel()), d.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(32, 16, 8, 12, 1)]
    [InlineData(64, 100, 16, 16, 3)]
    [InlineData(128, 8, 4, 4, 3)]
    public void Dcgan_sizes_are_the_modules_parameter_counts(int resolution, int nz, int ngf, int ndf, int channels) =>
        Assert.Equal(Count($"model: {{ resolution: {resolution}, nz: {nz}, ngf: {ngf}, ndf: {ndf}, channels: {channels} }}"),
            GradientSizes.Dcgan(resolution, nz, ngf, ndf, channels));

    [Theory]
    [InlineData(16, 8, 8, 3)]
    [InlineData(128, 32, 16, 3)]
    [InlineData(256, 64, 32, 1)]
    public void Progressive_sizes_are_the_modules_parameter_counts(int resolution, int fmaps, int nz, int channels) =>
        Assert.Equal(Count($"model: {{ arch: progressive, resolution: {resolution}, fmaps: {fmaps}, nz: {nz}, channels: {channels} }}"),
            GradientSizes.Progressive(resolution, fmaps, nz, channels));
}
