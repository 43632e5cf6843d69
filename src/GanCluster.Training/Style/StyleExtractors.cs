namespace GanCluster.Training.Style;

/// <summary>Picks the feature extractor: VGG19 with the user's weights, else the random multi-scale CNN.</summary>
public static class StyleExtractors
{
    /// <param name="weightsPath">A torchvision vgg19 state_dict (.pth) or .safetensors file; null for the random fallback.</param>
    /// <param name="seed">Seeds the random fallback's filters.</param>
    public static IStyleFeatureExtractor Create(string? weightsPath, long seed)
    {
        if (weightsPath == null) return new RandomMultiScaleFeatures(seed);
        var vgg = new Vgg19Features();
        try
        {
            Vgg19Weights.Load(vgg, weightsPath);
            return vgg;
        }
        catch
        {
            vgg.Dispose();
            throw;
        }
    }
}
