using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// Picks the feature extractor: VGG19 with the user's weights; without weights the shipped pretrained ResNet18, or the
/// random multi-scale CNN when asked for (<c>--network random</c>).
/// </summary>
public static class StyleExtractors
{
    public const string ResNet18 = "resnet18";
    public const string Random = "random";

    /// <param name="weightsPath">A torchvision vgg19 state_dict (.pth) or .safetensors file; null for a network that needs none.</param>
    /// <param name="network">Without weights: <see cref="ResNet18"/> (default) or <see cref="Random"/>.</param>
    /// <param name="seed">Seeds the random CNN's filters.</param>
    /// <param name="device">Where the extractor runs (the images must be there too).</param>
    public static IStyleFeatureExtractor Create(string? weightsPath, long seed, Device device, string network = ResNet18)
    {
        if (weightsPath == null)
            return network == Random ? new RandomMultiScaleFeatures(seed, device: device) : new ResNet18StyleFeatures(device);
        var vgg = new Vgg19Features();
        try
        {
            Vgg19Weights.Load(vgg, weightsPath);
            vgg.to(device);
            return vgg;
        }
        catch
        {
            vgg.Dispose();
            throw;
        }
    }
}
