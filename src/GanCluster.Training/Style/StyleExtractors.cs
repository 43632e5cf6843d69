using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>Picks the feature extractor: VGG19 with the user's weights, else the random multi-scale CNN.</summary>
public static class StyleExtractors
{
    /// <param name="weightsPath">A torchvision vgg19 state_dict (.pth) or .safetensors file; null for the random fallback.</param>
    /// <param name="seed">Seeds the random fallback's filters.</param>
    /// <param name="device">Where the extractor runs (the images must be there too).</param>
    public static IStyleFeatureExtractor Create(string? weightsPath, long seed, Device device)
    {
        if (weightsPath == null) return new RandomMultiScaleFeatures(seed, device: device);
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
