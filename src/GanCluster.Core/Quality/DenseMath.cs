using GanCluster.Core.Collapse;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>Feature matrices as MathNet double matrices, and the Euclidean distances between their rows.</summary>
internal static class DenseMath
{
    /// <summary>The features as a [rows, columns] double matrix (float features, double arithmetic from here on).</summary>
    public static Matrix<double> ToMatrix(FeatureMatrix m)
    {
        // Build.Dense takes column-major data: the row-major [rows, columns] array is the column-major [columns, rows] transpose.
        var data = new double[m.Data.Length];
        for (int i = 0; i < data.Length; i++) data[i] = m.Data[i];
        return Matrix<double>.Build.Dense(m.Columns, m.Rows, data).Transpose();
    }

    /// <summary>Squared Euclidean norm of each row.</summary>
    public static double[] RowSquaredNorms(Matrix<double> x)
    {
        var norms = new double[x.RowCount];
        for (int i = 0; i < x.RowCount; i++)
        {
            double s = 0;
            for (int j = 0; j < x.ColumnCount; j++) s += x[i, j] * x[i, j];
            norms[i] = s;
        }
        return norms;
    }

    /// <summary>
    /// Distances between every row of <paramref name="a"/> and every row of <paramref name="b"/>, [a.rows, b.rows]:
    /// sqrt(|a|² + |b|² − 2 a·b), one matrix product (negative round-off clipped to 0).
    /// </summary>
    public static Matrix<double> Distances(Matrix<double> a, double[] aNorms, Matrix<double> b, double[] bNorms)
    {
        var d = a.TransposeAndMultiply(b);
        for (int i = 0; i < d.RowCount; i++)
            for (int j = 0; j < d.ColumnCount; j++)
                d[i, j] = Math.Sqrt(Math.Max(0, aNorms[i] + bNorms[j] - 2 * d[i, j]));
        return d;
    }
}
