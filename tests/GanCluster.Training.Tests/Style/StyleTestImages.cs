using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Style;

/// <summary>Tiny deterministic inputs: a content image with a bright square on a gradient, a striped style image.</summary>
static class StyleTestImages
{
    public const int Size = 32;

    public static Tensor Content()
    {
        var y = linspace(0, 1, Size).view(1, 1, Size, 1).expand(1, 1, Size, Size);
        var image = cat([y * 0.8, 1 - y, full(1, 1, Size, Size, 0.3)], 1).contiguous();
        image[.., .., 8..24, 8..24] = tensor(0.95f);
        return image;
    }

    public static Tensor Style()
    {
        var x = arange(Size).view(1, 1, 1, Size).expand(1, 1, Size, Size);
        var stripes = ((x / 3).floor() % 2).to(float32);
        return cat([stripes, 1 - stripes * 0.5, stripes * 0.2], 1).contiguous();
    }
}
