using GanCluster.Training.Data;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Sampling;

/// <summary>Lays out a batch of images in [-1, 1] as one PNG grid (2-pixel gutters), optionally upscaled.</summary>
public static class ImageGrid
{
    public static byte[] ToPng(Tensor images, int? columns = null, int minSide = 0)
    {
        using var scope = NewDisposeScope();
        var x = images.detach().to(float32).cpu();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        int scale = h >= minSide || minSide == 0 ? 1 : (int)Math.Ceiling(minSide / (double)h);
        if (scale > 1)
        {
            x = nn.functional.interpolate(x, scale_factor: [scale, scale], mode: InterpolationMode.Nearest);
            (h, w) = (h * scale, w * scale);
        }
        int cols = columns ?? (int)Math.Ceiling(Math.Sqrt(n));
        int rows = (int)Math.Ceiling(n / (double)cols);
        const int pad = 2;
        int gridW = cols * ((int)w + pad) + pad, gridH = rows * ((int)h + pad) + pad;
        var bytes = x.ClampTo(-1, 1).Plus(1).Times(127.5).round().to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        int channels = (int)c;
        var grid = new byte[channels * gridW * gridH];
        long plane = h * w;
        for (int i = 0; i < n; i++)
        {
            int gx = pad + (i % cols) * ((int)w + pad), gy = pad + (i / cols) * ((int)h + pad);
            for (int ch = 0; ch < channels; ch++)
                for (int yy = 0; yy < h; yy++)
                    Array.Copy(bytes, i * channels * plane + ch * plane + yy * w,
                        grid, (long)ch * gridW * gridH + (gy + yy) * gridW + gx, w);
        }
        return ImageOps.EncodePng(grid, channels, gridW, gridH);
    }
}
