using GanCluster.Training.Models.Msg;
using static TorchSharp.torch;

namespace GanCluster.Training.Sampling;

/// <summary>
/// An MSG generator's images at every scale for a few latents as one PNG: a row per latent, 4x4 on the left up to the
/// final resolution on the right, each scaled up (nearest) to the final size, so the scales can be compared by eye.
/// </summary>
public static class ScaleStrip
{
    /// <summary>Latents shown (the first of the sample grid's).</summary>
    public const int Rows = 4;

    /// <summary>Draws the first <see cref="Rows"/> of <paramref name="latents"/> through <paramref name="generator"/> (in the mode it should sample in).</summary>
    public static byte[] Png(IMultiScaleGenerator generator, Tensor latents, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scales = generator.Scales(latents.narrow(0, 0, Math.Min(Rows, latents.shape[0])).to(device));
        long side = scales[^1].shape[2];
        var enlarged = scales.Select(s => s.shape[2] == side ? s
            : nn.functional.interpolate(s, scale_factor: [side / (double)s.shape[2], side / (double)s.shape[2]], mode: InterpolationMode.Nearest));
        var images = stack(enlarged.ToList(), 1).flatten(0, 1); // latent-major: row i holds latent i's scales
        return ImageGrid.ToPng(images.cpu(), columns: scales.Count, minSide: 64);
    }
}
