namespace GanCluster.Core.Scaling;

/// <summary>
/// Trainable parameters per network of the project's models, from their layer shapes (checked against the TorchSharp
/// modules in GanCluster.Training.Tests): what one step all-reduces, in fp32 values (×4 for bytes).
/// </summary>
public static class GradientSizes
{
    /// <summary>DCGAN (Training/Models): G = ConvT(nz→w,4) + ConvT stages + ConvT(→channels), D = Conv stages + head, no biases; BatchNorm weight and bias per normalised width.</summary>
    public static (long G, long D) Dcgan(int resolution, int nz, int ngf, int ndf, int channels, bool batchNorm = true)
    {
        int stages = System.Numerics.BitOperations.Log2((uint)resolution) - 2;
        long Width(int baseWidth, int level) => (long)baseWidth << Math.Min(level, 3);
        long g = 0, width = Width(ngf, stages - 1);
        g += (long)nz * width * 16 + (batchNorm ? 2 * width : 0);
        for (int i = 1; i < stages; i++)
        {
            long next = Width(ngf, stages - 1 - i);
            g += width * next * 16 + (batchNorm ? 2 * next : 0);
            width = next;
        }
        g += width * channels * 16;
        long d = 0, dw = Width(ndf, 0);
        d += (long)channels * dw * 16;
        for (int i = 1; i < stages; i++)
        {
            long next = Width(ndf, i);
            d += dw * next * 16 + (batchNorm ? 2 * next : 0);
            dw = next;
        }
        d += dw * 16;
        return (g, d);
    }

    /// <summary>The progressive networks (ProGAN; Training/Models/Progressive) grown to <paramref name="resolution"/> from 4x4: every block and every toRGB/fromRGB, with biases; minibatch stddev on.</summary>
    public static (long G, long D) Progressive(int resolution, int fmaps, int nz, int channels, bool minibatchStddev = true)
    {
        long Width(int r) => Math.Max(1, Math.Min(fmaps, (long)fmaps * 32 / r));
        long Conv(long input, long output, int kernel) => input * output * kernel * kernel + output;
        long w4 = Width(4);
        long g = (nz * w4 * 16 + w4 * 16) + Conv(w4, w4, 3), d = Conv(w4 + (minibatchStddev ? 1 : 0), w4, 3) + (w4 * 16 * w4 + w4) + (w4 + 1);
        for (int r = 4; r <= resolution; r *= 2)
        {
            long width = Width(r);
            g += Conv(width, channels, 1);
            d += Conv(channels, width, 1);
            if (r == 4) continue;
            g += Conv(Width(r / 2), width, 3) + Conv(width, width, 3);
            d += Conv(width, width, 3) + Conv(width, Width(r / 2), 3);
        }
        return (g, d);
    }
}
