using GanCluster.Core.Spec;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>Images in and out of style transfer: [1, 3, H, W] float tensors in [0, 1], decoded and encoded by <see cref="ImageOps"/>.</summary>
public static class StyleImage
{
    /// <summary>
    /// Decodes a PNG/JPEG file, scaled so its longer side is <paramref name="size"/> (aspect kept).
    /// A missing or undecodable file is a user error naming <paramref name="option"/> (exit 2).
    /// </summary>
    public static Tensor Load(string path, int size, string option, Device? device = null)
    {
        if (!File.Exists(path))
            throw new SpecException(option, "an image file (PNG or JPEG)", $"'{path}' (no such file)", "input");
        var chw = ImageOps.DecodeFileFit(path, size, 3, out int width, out int height)
                  ?? throw new SpecException(option, "an image file (PNG or JPEG)", $"'{path}' (not a decodable image)", "input");
        return FromChw(chw, height, width).to(device ?? CPU, disposeAfter: true);
    }

    /// <summary>CHW bytes (3 planes) to a [1, 3, H, W] tensor in [0, 1].</summary>
    public static Tensor FromChw(byte[] chw, int height, int width)
    {
        using var scope = NewDisposeScope();
        return tensor(chw, dtype: ScalarType.Byte).view(1, 3, height, width).to(float32).div_(255).MoveToOuterDisposeScope();
    }

    /// <summary>A [1, 3, H, W] tensor in [0, 1] as PNG bytes (values outside [0, 1] are clipped).</summary>
    public static byte[] ToPng(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = image.detach().cpu().to(float32);
        int height = (int)x.shape[2], width = (int)x.shape[3];
        var bytes = (x[0].clamp(0, 1) * 255).round().to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        return ImageOps.EncodePng(bytes, 3, width, height);
    }
}
