using GanCluster.Training.Models.Progressive;
using static TorchSharp.torch;

namespace GanCluster.Training.Models.Msg;

/// <summary>
/// Every scale of a batch in one tensor, so MSG runs through the same step, losses and all-reduce as any GAN: the
/// final R x R image on the left and, in a column R/2 wide to its right, R/2 x R/2 on top, then R/4, ... down to 4x4
/// (a mipmap atlas: [batch, channels, R, 3R/2]; the last 4 rows of the column stay zero). Elementwise operations
/// (WGAN-GP's interpolates, R1's input gradient) act on every scale at once, as MSG-GAN's all-scale input does.
/// </summary>
public static class ScalePyramid
{
    /// <summary>The smallest scale: the networks' 4x4 base.</summary>
    public const int Smallest = 4;

    /// <summary>Whether <paramref name="x"/> is a packed pyramid (3R/2 wide) rather than a plain image.</summary>
    public static bool IsPacked(Tensor x) => x.shape[3] != x.shape[2] && x.shape[3] == x.shape[2] * 3 / 2;

    /// <summary>Packs scales given smallest (4x4) first, each twice the side of the one before.</summary>
    public static Tensor Pack(IReadOnlyList<Tensor> scales)
    {
        var final = scales[^1];
        long n = final.shape[0], c = final.shape[1], side = final.shape[2], half = side / 2;
        var column = new List<Tensor>();
        long rows = 0;
        for (int i = scales.Count - 2; i >= 0; i--)
        {
            long r = scales[i].shape[2];
            column.Add(nn.functional.pad(scales[i], [0, half - r]));
            rows += r;
        }
        column.Add(zeros(new long[] { n, c, side - rows, half }, final.dtype, final.device));
        return cat([final, cat(column, 2)], 3);
    }

    /// <summary>The scales of a packed pyramid (views into it), smallest first.</summary>
    public static IReadOnlyList<Tensor> Unpack(Tensor packed)
    {
        long side = packed.shape[2];
        var scales = new List<Tensor> { packed.narrow(3, 0, side) };
        long y = 0;
        for (long r = side / 2; r >= Smallest; y += r, r /= 2) scales.Add(packed.narrow(2, y, r).narrow(3, side, r));
        scales.Reverse();
        return scales;
    }

    /// <summary>An image and its box-filtered halvings (ProGAN's downscale2d) down to 4x4, smallest first.</summary>
    public static IReadOnlyList<Tensor> Downsamples(Tensor image)
    {
        var scales = new List<Tensor> { image };
        while (scales[^1].shape[2] > Smallest) scales.Add(ProgressiveOps.Downsample(scales[^1]));
        scales.Reverse();
        return scales;
    }

    /// <summary>The scales a discriminator reads: a packed pyramid's, or a plain image's halvings.</summary>
    public static IReadOnlyList<Tensor> ScalesOf(Tensor x) => IsPacked(x) ? Unpack(x) : Downsamples(x);

    /// <summary>A real batch read at the final resolution, downsampled to every scale and packed (per batch, on the fly).</summary>
    public static Tensor Reals(Tensor images) => Pack(Downsamples(images));

    /// <summary>What D trains on from G: an MSG generator's packed scales, any other generator's image.</summary>
    public static Tensor Generate(nn.Module<Tensor, Tensor> generator, Tensor z) =>
        generator is IMultiScaleGenerator multi ? Pack(multi.Scales(z)) : generator.forward(z);
}
