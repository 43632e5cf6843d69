namespace GanCluster.Core.Collapse;

/// <summary>
/// What a fixed sample of real images says "healthy" looks like, computed once: the scale of each feature block
/// (its mean real-real distance, so that pixels and classifier features weigh the same), the mean real-real
/// distance in the combined space (diversity's denominator), and the duplicate threshold (a low percentile of
/// the real-real distances). <see cref="Measure"/> scores any set of images against it.
/// </summary>
public sealed class CollapseReference
{
    CollapseReference(double pixelScale, double? embeddingScale, double meanDistance, double duplicateThreshold,
        CollapseMeasureOptions options, int count)
    {
        PixelScale = pixelScale;
        EmbeddingScale = embeddingScale;
        MeanDistance = meanDistance;
        DuplicateThreshold = duplicateThreshold;
        Options = options;
        Count = count;
    }

    /// <summary>Mean real-real distance of the pixel block (pixels are divided by it).</summary>
    public double PixelScale { get; }

    /// <summary>Mean real-real distance of the classifier embedding block; null without a classifier.</summary>
    public double? EmbeddingScale { get; }

    /// <summary>Mean real-real distance in the combined (scaled) feature space.</summary>
    public double MeanDistance { get; }

    /// <summary>Pairs closer than this (combined space) are near-duplicates.</summary>
    public double DuplicateThreshold { get; }

    public CollapseMeasureOptions Options { get; }

    /// <summary>Real images in the sample.</summary>
    public int Count { get; }

    public bool HasClassifier => EmbeddingScale != null;

    public static CollapseReference Build(CollapseFeatures real, CollapseMeasureOptions options)
    {
        if (real.Count < 3) throw new ArgumentException($"the real sample needs at least 3 images, found {real.Count}");
        double pixelScale = Positive(PairwiseDistances.Mean(real.Pixels));
        double? embeddingScale = real.Embedding is { } e ? Positive(PairwiseDistances.Mean(e)) : null;
        var combined = Combine(real, pixelScale, embeddingScale);
        var distances = PairwiseDistances.All(combined);
        double mean = Positive(distances.Average(d => (double)d));
        double threshold = PairwiseDistances.Percentile(distances, options.DuplicatePercentile);
        return new CollapseReference(pixelScale, embeddingScale, mean, threshold, options, real.Count);
    }

    /// <summary>Scores a set of images (at least 2) given as features from the same extractor as the reference.</summary>
    public CollapseMeasures Measure(CollapseFeatures set)
    {
        if (set.Count < 2) throw new ArgumentException($"need at least 2 images to measure diversity, found {set.Count}");
        if (HasClassifier != set.HasClassifier)
            throw new ArgumentException("the set and the reference were not extracted with the same classifier");
        var combined = Combine(set, PixelScale, EmbeddingScale);
        var (mean, duplicates) = PairwiseDistances.MeanAndFractionBelow(combined, DuplicateThreshold);
        double diversity = mean / MeanDistance;
        var coverage = set.Probabilities is { } p ? ClassCoverage.Compute(p, Options.Confidence, Options.CoverageFraction) : null;
        double score = CollapseScore.Combine(diversity, duplicates, Options.DuplicatePercentile, coverage);
        return new CollapseMeasures(set.Count, diversity, duplicates, coverage, score);
    }

    static FeatureMatrix Combine(CollapseFeatures f, double pixelScale, double? embeddingScale)
    {
        if (f.Embedding is { } e && embeddingScale is { } s) return FeatureMatrix.Concat((f.Pixels, 1 / pixelScale), (e, 1 / s));
        return FeatureMatrix.Concat((f.Pixels, 1 / pixelScale));
    }

    // A real sample of identical images has no spread to compare with; avoid dividing by zero.
    static double Positive(double v) => v > 1e-12 ? v : 1e-12;
}
