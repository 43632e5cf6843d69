using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// A frozen network that maps images to feature vectors for the quality measures (FID, KID, precision/recall) and
/// the collapse monitor. Images go in as the run's data: [N, C, H, W] with C = 1 or 3, values in [-1, 1], any size;
/// each network applies its own resizing and normalisation. Every result names the network it was computed with.
/// </summary>
public interface IFeatureNetwork : IDisposable
{
    /// <summary>The short name results are labelled with: resnet18, inception-v3, mnist.</summary>
    string Name { get; }

    /// <summary>One line for the user: the network and where its weights came from.</summary>
    string Description { get; }

    /// <summary>Length of a feature vector (512, 2048, 64).</summary>
    int Dimension { get; }

    /// <summary>True only for the Inception-v3 pool3 features of the FID reference weights (pytorch-fid's).</summary>
    bool ComparableWithPublishedFid { get; }

    /// <summary>Features [N, Dimension] (float32) of a batch of images; the caller owns the scope.</summary>
    Tensor Embed(Tensor images);
}
