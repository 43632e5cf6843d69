using GanCluster.Training.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Augment;

/// <summary>
/// DiffAugment's ops (Zhao et al. 2020, the reference DiffAugment_pytorch.py), on [batch, channels, h, w] images in
/// [-1, 1]. Each is built from differentiable tensor ops (add, multiply, gather), so D's gradient reaches G through
/// them. Random parameters come from the given generator (drawn on the CPU, then moved: every device draws the same).
/// Every number meets a tensor through a Scalar kept alive for the call (<see cref="ScalarOps"/>: an implicit one can
/// be finalized mid-call and corrupt a later op).
/// </summary>
public static class DiffAugmentOps
{
    /// <summary>Brightness (+U(-0.5, 0.5)), saturation (x U(0, 2) around the channel mean), contrast (x U(0.5, 1.5) around the image mean).</summary>
    public static Tensor Color(Tensor x, Generator rng)
    {
        long b = x.shape[0];
        var brightness = Uniform(b, rng, x.device).Plus(-0.5);
        var saturation = Uniform(b, rng, x.device).Times(2.0);
        var contrast = Uniform(b, rng, x.device).Plus(0.5);
        x = x + brightness;
        var channelMean = x.mean([1], keepdim: true);
        x = (x - channelMean) * saturation + channelMean;
        var imageMean = x.mean([1, 2, 3], keepdim: true);
        return (x - imageMean) * contrast + imageMean;
    }

    /// <summary>Shifts each image by up to <paramref name="ratio"/> of its side in y and x (integer pixels), zero fill.</summary>
    public static Tensor Translation(Tensor x, Generator rng, double ratio = 0.125)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long sy = (long)(h * ratio + 0.5), sx = (long)(w * ratio + 0.5);
        // Shifts in [-s, s], drawn as [0, 2s] and offset in the index base: row i reads row i + shift of the image
        // padded by one zero pixel (index + 1), so a shift past the border reads the zero frame.
        var ty = randint(0, 2 * sy + 1, [b, 1, 1], generator: rng).to(x.device);
        var tx = randint(0, 2 * sx + 1, [b, 1, 1], generator: rng).to(x.device);
        var iy = Clamp(Range(1 - sy, h + 1 - sy, x.device).view(1, h, 1) + ty, 0, h + 1);
        var ix = Clamp(Range(1 - sx, w + 1 - sx, x.device).view(1, 1, w) + tx, 0, w + 1);
        using var stride = (w + 2).ToScalar();
        var index = (iy.mul(stride) + ix).view(b, 1, h * w).expand(b, c, h * w);
        var padded = nn.functional.pad(x, [1, 1, 1, 1]).flatten(2);
        return padded.gather(2, index).view(b, c, h, w);
    }

    /// <summary>Zeroes a square of <paramref name="ratio"/> of the side, centred at a random pixel (clipped at the border).</summary>
    public static Tensor Cutout(Tensor x, Generator rng, double ratio = 0.5)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ch = (long)(h * ratio + 0.5), cw = (long)(w * ratio + 0.5);
        // The square's first row and column (the reference's centre minus half the size), and one past its last.
        var top = randint(-(ch / 2), h + (1 - ch % 2) - ch / 2, [b, 1, 1], generator: rng).to(x.device);
        var left = randint(-(cw / 2), w + (1 - cw % 2) - cw / 2, [b, 1, 1], generator: rng).to(x.device);
        using var height = ch.ToScalar();
        using var width = cw.ToScalar();
        var ys = Range(0, h, x.device).view(1, h, 1);
        var xs = Range(0, w, x.device).view(1, 1, w);
        var inside = ys.ge(top).logical_and(ys.lt(top.add(height))).logical_and(xs.ge(left)).logical_and(xs.lt(left.add(width)));
        var keep = inside.logical_not().to(x.dtype).unsqueeze(1);
        return x * keep;
    }

    static Tensor Uniform(long batch, Generator rng, Device device) => rand([batch, 1, 1, 1], generator: rng).to(device);

    static Tensor Range(long start, long stop, Device device)
    {
        using var from = start.ToScalar();
        using var to = stop.ToScalar();
        return arange(from, to, dtype: ScalarType.Int64, device: device);
    }

    static Tensor Clamp(Tensor index, long min, long max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return index.clamp(lo, hi);
    }
}
