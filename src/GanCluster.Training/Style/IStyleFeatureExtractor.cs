using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// A frozen CNN that style transfer reads features from. Images go in as [1, 3, H, W] RGB in [0, 1]; each
/// extractor applies its own input normalisation.
/// </summary>
public interface IStyleFeatureExtractor : IDisposable
{
    /// <summary>One line for the user: which network, where its weights came from.</summary>
    string Description { get; }

    /// <summary>Loss weights that give a balanced result with this extractor's feature scales.</summary>
    StyleWeights DefaultWeights { get; }

    /// <summary>Activations of the content layers and of the style layers, in a fixed order.</summary>
    StyleFeatures Extract(Tensor image);
}
