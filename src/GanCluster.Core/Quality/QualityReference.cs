using GanCluster.Core.Collapse;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>
/// The real side of the quality measures, computed once per real sample: its features, their mean and covariance
/// (FID), the real-real kernel matrix (KID) and the real points' k-NN radii (precision, coverage). <see cref="Measure"/>
/// scores any set of features from the same network against it.
/// </summary>
public sealed class QualityReference
{
    readonly Matrix<double> _real;
    readonly double[] _realNorms;
    readonly double[] _realRadii;
    readonly Matrix<double> _realKernel;

    public QualityReference(string features, FeatureMatrix real, QualityOptions options, FeatureStatistics? statistics = null)
    {
        if (real.Rows <= options.NearestK) throw new ArgumentException($"the real sample needs more than k = {options.NearestK} images, found {real.Rows}");
        Features = features;
        Real = real;
        Options = options;
        Statistics = statistics ?? FeatureStatistics.Of(real);
        if (Statistics.Dimension != real.Columns || Statistics.Count != real.Rows)
            throw new ArgumentException("the statistics were not computed from these features");
        _real = DenseMath.ToMatrix(real);
        _realNorms = DenseMath.RowSquaredNorms(_real);
        _realRadii = ManifoldMetrics.KnnRadii(DenseMath.Distances(_real, _realNorms, _real, _realNorms), options.NearestK);
        _realKernel = KernelDistance.Kernel(_real, _real);
    }

    /// <summary>The feature network's name (what every result is labelled with).</summary>
    public string Features { get; }

    public FeatureMatrix Real { get; }

    public FeatureStatistics Statistics { get; }

    public QualityOptions Options { get; }

    public int Count => Real.Rows;

    /// <summary>FID, KID and the k-NN measures of <paramref name="generated"/> (at least k + 1 images) against the real sample.</summary>
    public QualityMeasures Measure(FeatureMatrix generated)
    {
        if (generated.Columns != Real.Columns)
            throw new ArgumentException($"the set has {generated.Columns} features per image, the reference {Real.Columns} ({Features})");
        if (generated.Rows <= Options.NearestK)
            throw new ArgumentException($"need more than k = {Options.NearestK} images to measure precision and recall, found {generated.Rows}");
        var fake = DenseMath.ToMatrix(generated);
        var fakeNorms = DenseMath.RowSquaredNorms(fake);
        double fid = FrechetDistance.Compute(Statistics, FeatureStatistics.Of(generated));
        var (kid, kidStd) = KernelDistance.Compute(_real, fake, Options, _realKernel);
        var fakeRadii = ManifoldMetrics.KnnRadii(DenseMath.Distances(fake, fakeNorms, fake, fakeNorms), Options.NearestK);
        var manifold = ManifoldMetrics.Compute(DenseMath.Distances(_real, _realNorms, fake, fakeNorms), _realRadii, fakeRadii, Options.NearestK);
        return new QualityMeasures(Features, generated.Rows, Real.Rows, fid, kid, kidStd, manifold);
    }
}
