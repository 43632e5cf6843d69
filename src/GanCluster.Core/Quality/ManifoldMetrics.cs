using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>
/// Improved precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem et al. 2020). Each set's
/// manifold is the union of balls around its points whose radius is the distance to the point's k-th nearest
/// neighbour in the same set (k = 3 by default).
/// <list type="bullet">
/// <item>precision: fraction of generated points inside the real manifold;</item>
/// <item>recall: fraction of real points inside the generated manifold;</item>
/// <item>density: (1 / kM) Σ_generated Σ_real 1[the generated point is in the real point's ball];</item>
/// <item>coverage: fraction of real points whose ball holds a generated point.</item>
/// </list>
/// Mode collapse shows as falling recall and coverage; poor samples as falling precision and density.
/// </summary>
public static class ManifoldMetrics
{
    /// <summary>Distance of each point to its k-th nearest neighbour in the same set (itself excluded).</summary>
    public static double[] KnnRadii(Matrix<double> pairwise, int k)
    {
        int n = pairwise.RowCount;
        if (k < 1 || k >= n) throw new ArgumentException($"k-NN radii need 1 <= k < set size ({n}), found k = {k}");
        var radii = new double[n];
        var row = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) row[j] = i == j ? double.NegativeInfinity : pairwise[i, j];
            Array.Sort(row);
            radii[i] = row[k]; // row[0] is the point itself (−∞), so row[k] is the k-th neighbour
        }
        return radii;
    }

    /// <param name="realToFake">Distances [real, fake].</param>
    public static ManifoldMeasures Compute(Matrix<double> realToFake, double[] realRadii, double[] fakeRadii, int k)
    {
        int nReal = realToFake.RowCount, nFake = realToFake.ColumnCount;
        int precise = 0, recalled = 0, covered = 0;
        long inBalls = 0;
        for (int f = 0; f < nFake; f++)
        {
            bool inside = false;
            for (int r = 0; r < nReal; r++)
                if (realToFake[r, f] <= realRadii[r])
                {
                    inside = true;
                    inBalls++;
                }
            if (inside) precise++;
        }
        for (int r = 0; r < nReal; r++)
        {
            bool reached = false, coveredHere = false;
            for (int f = 0; f < nFake && !(reached && coveredHere); f++)
            {
                double d = realToFake[r, f];
                if (d <= fakeRadii[f]) reached = true;
                if (d <= realRadii[r]) coveredHere = true;
            }
            if (reached) recalled++;
            if (coveredHere) covered++;
        }
        return new ManifoldMeasures((double)precise / nFake, (double)recalled / nReal, (double)inBalls / ((double)k * nFake),
            (double)covered / nReal);
    }
}
