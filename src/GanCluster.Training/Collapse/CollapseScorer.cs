using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Collapse;

/// <summary>
/// Scores sets of images against a fixed sample of real ones: the feature extractor plus the
/// <see cref="CollapseReference"/> built from the real sample. Used by the online monitor and `gancluster evaluate`.
/// </summary>
public sealed class CollapseScorer
{
    CollapseScorer(CollapseFeatureExtractor extractor, CollapseReference reference)
    {
        Extractor = extractor;
        Reference = reference;
    }

    public CollapseFeatureExtractor Extractor { get; }

    public CollapseReference Reference { get; }

    /// <summary>Builds the reference from <paramref name="realSampleSize"/> images of <paramref name="real"/> picked by <paramref name="seed"/>.</summary>
    public static CollapseScorer Build(ImageSource real, int realSampleSize, long seed, MnistClassifier? classifier,
        CollapseMeasureOptions options, Device? device = null)
    {
        var extractor = new CollapseFeatureExtractor(classifier, device);
        var indices = SampleIndices(real.Count, realSampleSize, seed);
        var features = extractor.Extract(indices.Count, (start, count) => Read(real, indices, start, count));
        return new CollapseScorer(extractor, CollapseReference.Build(features, options));
    }

    /// <summary>Scores <paramref name="total"/> images produced in chunks (see <see cref="CollapseFeatureExtractor.Extract"/>).</summary>
    public CollapseMeasures Measure(int total, Func<int, int, Tensor> chunk) => Reference.Measure(Extractor.Extract(total, chunk));

    /// <summary>Scores the given images of a source.</summary>
    public CollapseMeasures Measure(ImageSource images, IReadOnlyList<int> indices) =>
        Measure(indices.Count, (start, count) => Read(images, indices, start, count));

    /// <summary><paramref name="n"/> distinct indices of [0, count) (all of them when n &gt;= count), picked by a seeded shuffle.</summary>
    public static IReadOnlyList<int> SampleIndices(int count, int n, long seed)
    {
        var all = Enumerable.Range(0, count).ToArray();
        var rng = new SplitMix64((ulong)seed ^ 0x436F_6C6C_6170_7365UL); // "Collapse"
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all.Take(Math.Min(n, count)).ToArray();
    }

    /// <summary>Images [start, start + count) of <paramref name="indices"/> as a [count, C, R, R] tensor in [-1, 1].</summary>
    public static Tensor Read(ImageSource source, IReadOnlyList<int> indices, int start, int count)
    {
        int n = source.PixelsPerImage;
        var pixels = new float[count * n];
        for (int i = 0; i < count; i++) source.Read(indices[start + i], pixels.AsSpan(i * n, n));
        return tensor(pixels, [count, source.Channels, source.Resolution, source.Resolution]);
    }
}
