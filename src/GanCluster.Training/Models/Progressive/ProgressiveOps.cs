using TorchSharp;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Models.Progressive;

/// <summary>ProGAN's parameter-free pieces: pixelwise normalisation, minibatch stddev, resampling and blending.</summary>
public static class ProgressiveOps
{
    public static readonly double Sqrt2 = Math.Sqrt(2.0);

    /// <summary>Pixelwise feature vector normalisation: x / sqrt(mean_c(x^2) + 1e-8).</summary>
    public static Tensor PixelNorm(Tensor x) => x * x.square().mean([1], keepdim: true).Plus(1e-8).rsqrt();

    public static Tensor LeakyRelu(Tensor x) => x.LeakyRelu(0.2);

    /// <summary>Nearest-neighbour upsampling by 2 (ProGAN's upscale2d).</summary>
    public static Tensor Upsample(Tensor x) => nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);

    /// <summary>2x2 box-filter downsampling (ProGAN's downscale2d).</summary>
    public static Tensor Downsample(Tensor x, int factor = 2) =>
        factor == 1 ? x : nn.functional.avg_pool2d(x, [factor, factor], [factor, factor]);

    /// <summary>a + alpha (b - a): alpha 0 gives <paramref name="a"/>, alpha 1 gives <paramref name="b"/>.</summary>
    public static Tensor Lerp(Tensor a, Tensor b, double alpha) => alpha >= 1.0 ? b : a + (b - a).Times(alpha);

    /// <summary>
    /// Minibatch standard deviation (ProGAN 3): within groups of samples (sample i joins group i mod M), the
    /// stddev of every feature, averaged to one number per group and appended as an extra feature map.
    /// The group is the largest divisor of the batch not above <paramref name="groupSize"/>.
    /// </summary>
    public static Tensor MinibatchStddev(Tensor x, int groupSize)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long g = Math.Min(groupSize, n);
        while (n % g != 0) g--;
        var y = x.view(g, n / g, c, h, w);
        y = y - y.mean([0], keepdim: true);
        y = y.square().mean([0]).Plus(1e-8).sqrt();        // [M, C, H, W]
        y = y.mean([1, 2, 3]).view(n / g, 1, 1, 1);       // [M, 1, 1, 1]
        return cat([x, y.repeat(g, 1, h, w)], 1);
    }

    /// <summary>
    /// Real images at the stage's resolution: box-filtered down from the data's resolution, and during a
    /// fade-in blended with their 2x-downsampled-and-upsampled version by alpha, exactly as the generator's
    /// output is blended (ProGAN's process_reals).
    /// </summary>
    public static Tensor Reals(Tensor images, int resolution, double alpha, bool fading)
    {
        int factor = (int)(images.shape[2] / resolution);
        var x = Downsample(images, factor);
        if (fading && alpha < 1.0) x = Lerp(Upsample(Downsample(x)), x, alpha);
        return x;
    }
}
