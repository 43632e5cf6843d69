using SkiaSharp;

namespace GanCluster.Training.Data;

/// <summary>Decoding, resizing and center-cropping images to the run's resolution, as bytes in CHW order.</summary>
public static class ImageOps
{
    static readonly SKSamplingOptions Smooth = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    static readonly SKSamplingOptions Enlarge = new(SKFilterMode.Linear, SKMipmapMode.None);

    /// <summary>
    /// Decodes a PNG/JPEG file, center-cropped and resized to <paramref name="resolution"/>; null when it cannot be
    /// decoded. A JPEG is decoded at the smallest of libjpeg's 1/8..8/8 scales that still covers the resolution, so a
    /// 4x4 training phase does not pay for decoding the full photograph.
    /// </summary>
    public static byte[]? DecodeFile(string path, int resolution, int channels)
    {
        using var bitmap = DecodeAtLeast(path, resolution);
        if (bitmap == null) return null;
        return ToChw(bitmap, resolution, channels);
    }

    /// <summary>
    /// <see cref="DecodeFile"/> for a file's bytes already in memory (a downloaded object): the same codec and steps,
    /// so the same pixels as reading the file from disk.
    /// </summary>
    public static byte[]? DecodeBytes(byte[] encoded, int resolution, int channels)
    {
        using var data = SKData.CreateCopy(encoded);
        using var bitmap = DecodeAtLeast(SKCodec.Create(data), resolution);
        if (bitmap == null) return null;
        return ToChw(bitmap, resolution, channels);
    }

    /// <summary>The decoded image at the smallest size the codec offers whose shorter side is at least <paramref name="side"/>.</summary>
    public static SKBitmap? DecodeAtLeast(string path, int side) => DecodeAtLeast(SKCodec.Create(path), side);

    /// <summary>As <see cref="DecodeAtLeast(string, int)"/>, from a codec it disposes (null: not an image).</summary>
    static SKBitmap? DecodeAtLeast(SKCodec? created, int side)
    {
        using var codec = created;
        if (codec == null || codec.Info.Width == 0 || codec.Info.Height == 0) return null;
        var size = ScaledSize(codec, side);
        var bitmap = new SKBitmap(codec.Info.WithSize(size.Width, size.Height));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        // A truncated file still yields its decoded part (the rest is filled), as SKBitmap.Decode does.
        if (result is SKCodecResult.Success or SKCodecResult.IncompleteInput) return bitmap;
        bitmap.Dispose();
        return null;
    }

    static SKSizeI ScaledSize(SKCodec codec, int side)
    {
        var full = codec.Info.Size;
        int shorter = Math.Min(full.Width, full.Height);
        if (shorter <= side) return full;
        // The codec rounds a scale to the nearest it supports, which may fall short: nudge up until it covers.
        for (float scale = side / (float)shorter; scale < 1f; scale += 1f / 16)
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (Math.Min(scaled.Width, scaled.Height) >= side) return scaled;
        }
        return full;
    }

    /// <summary>
    /// Decodes a PNG/JPEG file keeping its aspect ratio, scaled (down or up) so its longer side is
    /// <paramref name="maxSide"/>; CHW bytes. Null when it cannot be decoded. Style transfer needs the whole
    /// picture, so no crop here (unlike <see cref="DecodeFile"/>, which feeds square training batches).
    /// </summary>
    public static byte[]? DecodeFileFit(string path, int maxSide, int channels, out int width, out int height)
    {
        width = height = 0;
        using var bitmap = SKBitmap.Decode(path);
        if (bitmap == null || bitmap.Width == 0 || bitmap.Height == 0) return null;
        double scale = maxSide / (double)Math.Max(bitmap.Width, bitmap.Height);
        width = Math.Max(1, (int)Math.Round(bitmap.Width * scale));
        height = Math.Max(1, (int)Math.Round(bitmap.Height * scale));
        using var image = SKImage.FromBitmap(bitmap);
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, SKRect.Create(0, 0, bitmap.Width, bitmap.Height), SKRect.Create(0, 0, width, height), Smooth);
        }
        return PixelsToChw(target.GetPixelSpan(), SKColorType.Rgba8888, width * height, channels);
    }

    /// <summary>True when the file's header names a supported image format (cheap: no full decode).</summary>
    public static bool LooksLikeImage(string path)
    {
        using var codec = SKCodec.Create(path);
        return codec != null && codec.Info.Width > 0 && codec.Info.Height > 0;
    }

    /// <summary>Resizes a grayscale image (row-major bytes) to resolution x resolution, as CHW bytes.</summary>
    public static byte[] ResizeGray(ReadOnlySpan<byte> pixels, int width, int height, int resolution, int channels)
    {
        var rgba = new byte[width * height * 4];
        for (int i = 0; i < width * height; i++)
        {
            rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = pixels[i];
            rgba[i * 4 + 3] = 255;
        }
        using var bitmap = FromRgba(rgba, width, height);
        return ToChw(bitmap, resolution, channels);
    }

    static SKBitmap FromRgba(byte[] rgba, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>Center-crops to a square, resizes, and returns channels x resolution x resolution bytes.</summary>
    /// <remarks>
    /// Measured at 1024 px on photographs (docs/BENCHMARKS.md, make bench-data), three choices halve this step: the
    /// source is wrapped, not copied (<see cref="SKImage.FromPixels(SKPixmap)"/>); mipmaps are used only when
    /// shrinking (where they prevent aliasing; enlarging reads level 0 either way, but paid for choosing it); the
    /// target has the platform's byte order and is opaque, so Skia's blitter does no swizzle or unpremultiply.
    /// </remarks>
    public static byte[] ToChw(SKBitmap source, int resolution, int channels)
    {
        int side = Math.Min(source.Width, source.Height);
        var src = SKRect.Create((source.Width - side) / 2f, (source.Height - side) / 2f, side, side);
        using var pixels = source.PeekPixels();
        using var image = SKImage.FromPixels(pixels);
        var info = new SKImageInfo(resolution, resolution, SKImageInfo.PlatformColorType, SKAlphaType.Opaque);
        using var target = new SKBitmap(info);
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, src, SKRect.Create(0, 0, resolution, resolution), side > resolution ? Smooth : Enlarge);
        }
        return PixelsToChw(target.GetPixelSpan(), info.ColorType, resolution * resolution, channels);
    }

    /// <summary>
    /// 32-bit pixels (RGBA or BGRA order) to planar bytes: RGB planes, or one luma plane (ITU-R 601 weights) for 1
    /// channel.
    /// </summary>
    static byte[] PixelsToChw(ReadOnlySpan<byte> pixels, SKColorType order, int plane, int channels)
    {
        if (order is not (SKColorType.Rgba8888 or SKColorType.Bgra8888)) throw new ArgumentException($"unexpected pixel order {order}");
        int ri = order == SKColorType.Rgba8888 ? 0 : 2, bi = 2 - ri;
        var chw = new byte[channels * plane];
        for (int i = 0; i < plane; i++)
        {
            var px = pixels.Slice(i * 4, 4);
            byte r = px[ri], g = px[1], b = px[bi];
            if (channels == 1) chw[i] = (byte)Math.Clamp((int)Math.Round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);
            else
            {
                chw[i] = r;
                chw[plane + i] = g;
                chw[2 * plane + i] = b;
            }
        }
        return chw;
    }

    /// <summary>Encodes CHW bytes (1 or 3 channels) as PNG.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> chw, int channels, int width, int height)
    {
        int plane = width * height;
        var rgba = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            byte r = chw[i];
            byte g = channels == 3 ? chw[plane + i] : r;
            byte b = channels == 3 ? chw[2 * plane + i] : r;
            rgba[i * 4] = r;
            rgba[i * 4 + 1] = g;
            rgba[i * 4 + 2] = b;
            rgba[i * 4 + 3] = 255;
        }
        using var bitmap = FromRgba(rgba, width, height);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
