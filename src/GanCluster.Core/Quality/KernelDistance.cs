using GanCluster.Core.Data;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>
/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased estimate of the squared
/// maximum mean discrepancy with the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subset
/// pairs (and its standard deviation over them, population std as torch-fidelity reports it). Unlike FID it is
/// unbiased: its expectation is 0 for two samples of one distribution, and small sets do not inflate it.
/// <para>
/// The three kernel matrices are computed once for the whole sets (three matrix products); a subset's MMD² is then
/// sums over index blocks, so 100 subsets cost additions, not products.
/// </para>
/// </summary>
public static class KernelDistance
{
    /// <summary>k(x, y) = (xᵀy / d + 1)³ for every row pair, [a.rows, b.rows].</summary>
    public static Matrix<double> Kernel(Matrix<double> a, Matrix<double> b)
    {
        var k = a.TransposeAndMultiply(b);
        double scale = 1.0 / a.ColumnCount;
        k.MapInplace(v => Math.Pow(v * scale + 1, 3));
        return k;
    }

    /// <summary>KID mean and std between two feature sets; <paramref name="realKernel"/> is k(real, real) if already computed.</summary>
    public static (double Mean, double Std) Compute(Matrix<double> real, Matrix<double> fake, QualityOptions options, Matrix<double>? realKernel = null)
    {
        if (real.ColumnCount != fake.ColumnCount) throw new ArgumentException($"feature dimensions differ: {real.ColumnCount} and {fake.ColumnCount}");
        int m = Math.Min(options.KidSubsetSize, Math.Min(real.RowCount, fake.RowCount));
        if (m < 2) throw new ArgumentException($"KID needs subsets of at least 2 images, found {m}");
        var kxx = realKernel ?? Kernel(real, real);
        var kyy = Kernel(fake, fake);
        var kxy = Kernel(real, fake);
        var rng = new SplitMix64((ulong)options.Seed ^ 0x4B49_445F_5355_4253UL); // "KID_SUBS"
        var values = new double[Math.Max(1, options.KidSubsets)];
        for (int s = 0; s < values.Length; s++)
        {
            var i = Subset(real.RowCount, m, ref rng);
            var j = Subset(fake.RowCount, m, ref rng);
            values[s] = UnbiasedMmd2(kxx, kyy, kxy, i, j);
        }
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        return (mean, std);
    }

    /// <summary>
    /// MMD²_u = Σ_{i≠i'} k(xᵢ, xᵢ') / m(m−1) + Σ_{j≠j'} k(yⱼ, yⱼ') / m(m−1) − 2 Σ k(xᵢ, yⱼ) / m² over the subsets.
    /// </summary>
    public static double UnbiasedMmd2(Matrix<double> kxx, Matrix<double> kyy, Matrix<double> kxy, int[] realRows, int[] fakeRows)
    {
        int m = realRows.Length;
        double xx = OffDiagonalSum(kxx, realRows), yy = OffDiagonalSum(kyy, fakeRows), xy = 0;
        foreach (int i in realRows)
            foreach (int j in fakeRows) xy += kxy[i, j];
        return (xx + yy) / ((double)m * (m - 1)) - 2 * xy / ((double)m * m);
    }

    static double OffDiagonalSum(Matrix<double> k, int[] rows)
    {
        double sum = 0;
        foreach (int i in rows)
            foreach (int j in rows)
                if (i != j) sum += k[i, j];
        return sum;
    }

    /// <summary><paramref name="m"/> distinct indices of [0, n) (partial Fisher-Yates shuffle).</summary>
    static int[] Subset(int n, int m, ref SplitMix64 rng)
    {
        var all = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < m; i++)
        {
            int j = i + rng.NextInt(n - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..m];
    }
}
