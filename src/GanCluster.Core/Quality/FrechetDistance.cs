using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace GanCluster.Core.Quality;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (Heusel et al. 2017, "FID" when the features
/// are Inception-v3 pool3): |μ₁ − μ₂|² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁Σ₂)^½).
/// <para>
/// tr((Σ₁Σ₂)^½) by eigendecomposition, in double precision: Σ₁Σ₂ is similar to the symmetric positive semi-definite
/// M = Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues), so the trace is Σᵢ √λᵢ(M), with Σ₁^½ = V diag(√λ) Vᵀ from the symmetric
/// eigendecomposition of Σ₁. Both decompositions are of symmetric matrices, which are well conditioned for
/// eigenvalues; eigenvalues that round-off makes slightly negative count as 0. This avoids the complex results and
/// the "add εI and retry" that a general sqrtm of the non-symmetric product needs (pytorch-fid).
/// </para>
/// </summary>
public static class FrechetDistance
{
    public static double Compute(FeatureStatistics a, FeatureStatistics b)
    {
        if (a.Dimension != b.Dimension) throw new ArgumentException($"feature dimensions differ: {a.Dimension} and {b.Dimension}");
        double meanTerm = 0;
        for (int i = 0; i < a.Dimension; i++)
        {
            double d = a.Mean[i] - b.Mean[i];
            meanTerm += d * d;
        }
        double value = meanTerm + a.Covariance.Trace() + b.Covariance.Trace() - 2 * TraceOfSqrtProduct(a.Covariance, b.Covariance);
        return Math.Max(0, value); // a distance: round-off on identical sets must not show as a negative one
    }

    /// <summary>tr((AB)^½) for symmetric positive semi-definite A and B.</summary>
    public static double TraceOfSqrtProduct(Matrix<double> a, Matrix<double> b)
    {
        var sqrtA = SymmetricSqrt(a);
        var m = sqrtA * b * sqrtA;
        m = (m + m.Transpose()) / 2; // exactly symmetric for the symmetric solver
        return Eigenvalues(m).Sum(l => Math.Sqrt(Math.Max(0, l)));
    }

    /// <summary>A^½ = V diag(√max(λ, 0)) Vᵀ for symmetric positive semi-definite A.</summary>
    public static Matrix<double> SymmetricSqrt(Matrix<double> a)
    {
        var evd = Symmetrised(a).Evd(Symmetricity.Symmetric);
        var roots = evd.EigenValues.Select(l => Math.Sqrt(Math.Max(0, l.Real))).ToArray();
        var v = evd.EigenVectors;
        return v * Matrix<double>.Build.DiagonalOfDiagonalArray(roots) * v.Transpose();
    }

    static IEnumerable<double> Eigenvalues(Matrix<double> symmetric) =>
        symmetric.Evd(Symmetricity.Symmetric).EigenValues.Select(l => l.Real);

    static Matrix<double> Symmetrised(Matrix<double> a) => (a + a.Transpose()) / 2;
}
