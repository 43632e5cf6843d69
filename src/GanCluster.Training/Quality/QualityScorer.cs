using GanCluster.Core.Quality;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Features;
using static TorchSharp.torch;

namespace GanCluster.Training.Quality;

/// <summary>
/// Scores sets of images for sample quality (FID, KID, precision/recall/density/coverage) against a fixed sample of
/// real images in one feature network's space. The real side (<see cref="QualityReference"/>) is computed once; with a
/// cache path it is read from / written to the run directory, so later evaluations and resumed runs skip pushing the
/// real images through the network. Used by the online monitor and `gancluster evaluate`.
/// </summary>
public sealed class QualityScorer
{
    QualityScorer(IFeatureNetwork network, QualityReference reference, Device device, bool fromCache)
    {
        Network = network;
        Reference = reference;
        Device = device;
        FromCache = fromCache;
    }

    public IFeatureNetwork Network { get; }

    public QualityReference Reference { get; }

    public Device Device { get; }

    /// <summary>True when the real features and statistics came from the cache file.</summary>
    public bool FromCache { get; }

    /// <param name="realSampleSize">Real images in the reference, picked from <paramref name="real"/> by <paramref name="seed"/> (as the collapse reference).</param>
    /// <param name="cachePath">RUN_DIR/quality/real-NETWORK.bin, or null for no cache.</param>
    public static QualityScorer Build(IFeatureNetwork network, ImageSource real, int realSampleSize, long seed, QualityOptions options,
        Device? device = null, string? cachePath = null)
    {
        var dev = device ?? CPU;
        var indices = CollapseScorer.SampleIndices(real.Count, realSampleSize, seed);
        // What the cached features depend on: a cache written for other data, another sample or another network is not used.
        string key = $"{network.Description}|{real.Description}|count {real.Count}|{real.Channels}x{real.Resolution}|sample {indices.Count} seed {seed}";
        if (cachePath != null && QualityReferenceFile.TryLoad(cachePath, key) is { } cached)
            return new QualityScorer(network, new QualityReference(network.Name, cached.Features, options, cached.Statistics), dev, fromCache: true);
        var features = FeatureExtraction.Extract(network, indices.Count, (start, count) => CollapseScorer.Read(real, indices, start, count), dev);
        var reference = new QualityReference(network.Name, features, options);
        if (cachePath != null) QualityReferenceFile.Save(cachePath, key, features, reference.Statistics);
        return new QualityScorer(network, reference, dev, fromCache: false);
    }

    /// <summary>Scores <paramref name="total"/> images produced in chunks of [count, C, H, W] in [-1, 1].</summary>
    public QualityMeasures Measure(int total, Func<int, int, Tensor> chunk) =>
        Reference.Measure(FeatureExtraction.Extract(Network, total, chunk, Device));

    /// <summary>Scores the given images of a source.</summary>
    public QualityMeasures Measure(ImageSource images, IReadOnlyList<int> indices) =>
        Measure(indices.Count, (start, count) => CollapseScorer.Read(images, indices, start, count));
}
