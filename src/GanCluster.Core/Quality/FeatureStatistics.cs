using GanCluster.Core.Collapse;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>
/// Mean and covariance of a set of feature vectors in double precision: what FID compares. The covariance is the
/// unbiased one (divided by n − 1), as numpy's <c>np.cov</c> that pytorch-fid uses.
/// </summary>
public sealed class FeatureStatistics
{
    public FeatureStatistics(double[] mean, Matrix<double> covariance, int count)
    {
        if (covariance.RowCount != mean.Length || covariance.ColumnCount != mean.Length)
            throw new ArgumentException($"covariance is {covariance.RowCount}x{covariance.ColumnCount}, expected {mean.Length}x{mean.Length}");
        Mean = mean;
        Covariance = covariance;
        Count = count;
    }

    public double[] Mean { get; }

    public Matrix<double> Covariance { get; }

    /// <summary>Vectors the statistics were computed from.</summary>
    public int Count { get; }

    public int Dimension => Mean.Length;

    public static FeatureStatistics Of(FeatureMatrix features)
    {
        if (features.Rows < 2) throw new ArgumentException($"need at least 2 feature vectors for a covariance, found {features.Rows}");
        var x = DenseMath.ToMatrix(features);
        var mean = new double[x.ColumnCount];
        for (int j = 0; j < x.ColumnCount; j++) mean[j] = x.Column(j).Sum() / x.RowCount;
        for (int i = 0; i < x.RowCount; i++)
            for (int j = 0; j < x.ColumnCount; j++) x[i, j] -= mean[j];
        var covariance = x.TransposeThisAndMultiply(x) / (x.RowCount - 1);
        return new FeatureStatistics(mean, covariance, x.RowCount);
    }
}
