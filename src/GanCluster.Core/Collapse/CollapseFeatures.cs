namespace GanCluster.Core.Collapse;

/// <summary>
/// The features of one set of images, in the blocks the collapse measures use (see docs/collapse.md):
/// <see cref="Pixels"/> (images downsampled to a small fixed size, always present), <see cref="Embedding"/>
/// (a fixed classifier's penultimate activations) and <see cref="Probabilities"/> (its class probabilities),
/// both present only when a classifier applies to the data.
/// </summary>
public sealed record CollapseFeatures(FeatureMatrix Pixels, FeatureMatrix? Embedding = null, FeatureMatrix? Probabilities = null)
{
    public int Count => Pixels.Rows;

    public bool HasClassifier => Embedding != null && Probabilities != null;

    /// <summary>The first <paramref name="n"/> images.</summary>
    public CollapseFeatures Take(int n) => new(Pixels.Take(n), Embedding?.Take(n), Probabilities?.Take(n));
}
