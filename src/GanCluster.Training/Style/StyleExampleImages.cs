using GanCluster.Training.Data;
using SkiaSharp;

namespace GanCluster.Training.Style;

/// <summary>
/// The inputs of the documented example (docs/style-transfer.md, `make style-example`), made here so the
/// example needs no downloads: a digit from the embedded MNIST, coloured, as content; a procedurally drawn
/// brush-stroke texture as style. Deterministic for a given size.
/// </summary>
public static class StyleExampleImages
{
    /// <summary>The first "3" of the embedded MNIST, upscaled, as an orange digit on a blue gradient (PNG).</summary>
    public static byte[] DigitContent(int size)
    {
        var images = IdxFile.Read(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile));
        var labels = IdxFile.Read(ImageSources.EmbeddedPath(ImageSources.EmbeddedLabelsFile));
        int rows = images.Dimensions[1], cols = images.Dimensions[2];
        int index = Array.IndexOf(labels.Data, (byte)3);
        var gray = ImageOps.ResizeGray(images.Data.AsSpan(index * rows * cols, rows * cols), cols, rows, size, 1);
        var chw = new byte[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            int i = y * size + x;
            double t = gray[i] / 255.0, v = y / (double)size;
            // Background: teal at the top to navy at the bottom; the digit: warm orange.
            (double r, double g, double b) bg = (20 + 10 * (1 - v), 90 * (1 - v) + 30, 140 - 40 * v);
            (double r, double g, double b) fg = (245, 150, 40);
            chw[i] = (byte)(bg.r + (fg.r - bg.r) * t);
            chw[plane + i] = (byte)(bg.g + (fg.g - bg.g) * t);
            chw[2 * plane + i] = (byte)(bg.b + (fg.b - bg.b) * t);
        }
        return ImageOps.EncodePng(chw, 3, size, size);
    }

    /// <summary>Short curved brush strokes in blues, yellows and white that follow a swirling flow field (PNG).</summary>
    public static byte[] BrushStrokes(int size, int seed = 7)
    {
        var palette = new[] { "#13286b", "#1f4fa0", "#3f7fd0", "#7fb2e8", "#f2c230", "#f7e08a", "#eef2f8" }.Select(SKColor.Parse).ToArray();
        var rng = new Random(seed);
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(palette[0]);
        double scale = size / 256.0;
        int strokes = (int)(2200 * scale * scale);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };
        for (int k = 0; k < strokes; k++)
        {
            float x = (float)(rng.NextDouble() * size), y = (float)(rng.NextDouble() * size);
            paint.Color = palette[1 + rng.Next(palette.Length - 1)].WithAlpha((byte)rng.Next(170, 255));
            paint.StrokeWidth = (float)((2.5 + rng.NextDouble() * 3.5) * scale);
            using var path = new SKPath();
            path.MoveTo(x, y);
            // Follow the flow field for a few short segments: strokes curve along swirls.
            for (int s = 0; s < 6; s++)
            {
                double u = x / (size / 256.0), w = y / (size / 256.0);
                double angle = Math.Sin(u * 0.025) * 2.2 + Math.Cos(w * 0.03) * 2.2 + Math.Sin((u + w) * 0.011);
                x += (float)(Math.Cos(angle) * 3.5 * scale);
                y += (float)(Math.Sin(angle) * 3.5 * scale);
                path.LineTo(x, y);
            }
            canvas.DrawPath(path, paint);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
