using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>The resizing and channel handling the feature networks share.</summary>
internal static class NetworkInput
{
    /// <summary>
    /// Images as 3 channels (grayscale repeated) at side × side, bilinear; <paramref name="antialias"/> when shrinking
    /// (pytorch-fid does not, so Inception does not either).
    /// </summary>
    public static Tensor Rgb(Tensor images, int side, bool antialias = true)
    {
        var x = images.to(float32);
        if (x.shape[1] == 1) x = x.expand(-1, 3, -1, -1);
        if (x.shape[2] == side && x.shape[3] == side) return x;
        return nn.functional.interpolate(x, [side, side], mode: InterpolationMode.Bilinear, align_corners: false,
            antialias: antialias && (x.shape[2] > side || x.shape[3] > side));
    }
}
