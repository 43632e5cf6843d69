using static TorchSharp.torch;

namespace GanCluster.Training.Augment;

/// <summary>
/// DiffAugment's ops (Zhao et al. 2020, the reference DiffAugment_pytorch.py), on [batch, channels, h, w] images in
/// [-1, 1]. Each is built from differentiable tensor ops (add, multiply, gather), so D's gradient reaches G through
/// them. Random parameters come from the given generator (drawn on the CPU, then moved: every device draws the same).
/// </summary>
public static class DiffAugmentOps
{
    /// <summary>Brightness (+U(-0.5, 0.5)), saturation (x U(0, 2) around the channel mean), contrast (x U(0.5, 1.5) around the image mean).</summary>
    public static Tensor Color(Tensor x, Generator rng)
    {
        long b = x.shape[0];
        var brightness = Uniform(b, rng, x.device) - 0.5;
        var saturation = Uniform(b, rng, x.device) * 2.0;
        var contrast = Uniform(b, rng, x.device) + 0.5;
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
        var ty = randint(-sy, sy + 1, [b, 1, 1], generator: rng).to(x.device);
        var tx = randint(-sx, sx + 1, [b, 1, 1], generator: rng).to(x.device);
        // Index into the image padded by one zero pixel: a shift past the border reads the zero frame.
        var iy = (arange(h, device: x.device).view(1, h, 1) + ty + 1).clamp(0, h + 1);
        var ix = (arange(w, device: x.device).view(1, 1, w) + tx + 1).clamp(0, w + 1);
        var index = (iy * (w + 2) + ix).view(b, 1, h * w).expand(b, c, h * w);
        var padded = nn.functional.pad(x, [1, 1, 1, 1]).flatten(2);
        return padded.gather(2, index).view(b, c, h, w);
    }

    /// <summary>Zeroes a square of <paramref name="ratio"/> of the side, centred at a random pixel (clipped at the border).</summary>
    public static Tensor Cutout(Tensor x, Generator rng, double ratio = 0.5)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ch = (long)(h * ratio + 0.5), cw = (long)(w * ratio + 0.5);
        var oy = randint(0, h + (1 - ch % 2), [b, 1, 1], generator: rng).to(x.device) - ch / 2;
        var ox = randint(0, w + (1 - cw % 2), [b, 1, 1], generator: rng).to(x.device) - cw / 2;
        var ys = arange(h, device: x.device).view(1, h, 1);
        var xs = arange(w, device: x.device).view(1, 1, w);
        var inside = (ys >= oy).logical_and(ys < oy + ch).logical_and(xs >= ox).logical_and(xs < ox + cw);
        var keep = inside.logical_not().to(x.dtype).unsqueeze(1);
        return x * keep;
    }

    static Tensor Uniform(long batch, Generator rng, Device device) => rand([batch, 1, 1, 1], generator: rng).to(device);
}
