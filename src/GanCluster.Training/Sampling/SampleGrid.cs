using GanCluster.Core.Spec;
using static TorchSharp.torch;

namespace GanCluster.Training.Sampling;

/// <summary>A generator's images for given latents as one PNG grid, as the run's samples/ and `gancluster sample` show them.</summary>
public static class SampleGrid
{
    /// <summary>Draws <paramref name="latents"/> through <paramref name="generator"/> (already in the mode it should sample in).</summary>
    public static byte[] Png(nn.Module<Tensor, Tensor> generator, Tensor latents, RunSpec spec, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = ChunkedGeneration.Generate(generator, latents, device, spec.Model.Resolution);
        return ImageGrid.ToPng(images, minSide: MinSide(spec));
    }

    /// <summary>A progressive run's grids show the current resolution, upscaled to at least the final one (and 64 px) for viewing.</summary>
    public static int MinSide(RunSpec spec) => spec.Model.Arch == ModelArch.Progressive ? Math.Max(64, spec.Model.Resolution) : 0;
}
