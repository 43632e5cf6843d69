using System.Numerics;

namespace GanCluster.Core.Collapse;

/// <summary>
/// Euclidean distances between the rows of a <see cref="FeatureMatrix"/>, over all unordered pairs (i &lt; j).
/// Plain SIMD loops: 512 rows of a few hundred features is ~130k pairs, a few milliseconds.
/// </summary>
public static class PairwiseDistances
{
    public static long PairCount(int rows) => (long)rows * (rows - 1) / 2;

    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = new Vector<float>(a[i..]) - new Vector<float>(b[i..]);
                acc += d * d;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++)
        {
            float d = a[i] - b[i];
            sum += d * d;
        }
        return MathF.Sqrt(sum);
    }

    /// <summary>Every pairwise distance (i &lt; j, row-major order of pairs).</summary>
    public static float[] All(FeatureMatrix m)
    {
        var result = new float[PairCount(m.Rows)];
        long k = 0;
        for (int i = 0; i < m.Rows; i++)
        {
            var a = m.Row(i);
            for (int j = i + 1; j < m.Rows; j++) result[k++] = Distance(a, m.Row(j));
        }
        return result;
    }

    /// <summary>Mean distance over all pairs; 0 for fewer than two rows.</summary>
    public static double Mean(FeatureMatrix m)
    {
        if (m.Rows < 2) return 0;
        double sum = 0;
        for (int i = 0; i < m.Rows; i++)
        {
            var a = m.Row(i);
            for (int j = i + 1; j < m.Rows; j++) sum += Distance(a, m.Row(j));
        }
        return sum / PairCount(m.Rows);
    }

    /// <summary>Mean distance and the fraction of pairs closer than <paramref name="threshold"/>, in one pass.</summary>
    public static (double Mean, double FractionBelow) MeanAndFractionBelow(FeatureMatrix m, double threshold)
    {
        if (m.Rows < 2) return (0, 0);
        double sum = 0;
        long below = 0;
        for (int i = 0; i < m.Rows; i++)
        {
            var a = m.Row(i);
            for (int j = i + 1; j < m.Rows; j++)
            {
                float d = Distance(a, m.Row(j));
                sum += d;
                if (d < threshold) below++;
            }
        }
        long pairs = PairCount(m.Rows);
        return (sum / pairs, (double)below / pairs);
    }

    /// <summary>
    /// The <paramref name="percent"/>-th percentile (0-100) of <paramref name="values"/>, linear interpolation
    /// between closest ranks. Sorts a copy.
    /// </summary>
    public static double Percentile(ReadOnlySpan<float> values, double percent)
    {
        if (values.Length == 0) throw new ArgumentException("no values");
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent));
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double rank = percent / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
