namespace GanCluster.Core.Collapse;

/// <summary>
/// How a set of images spreads over a classifier's classes. <see cref="Histogram"/>: the fraction of images whose
/// most likely class is c (sums to 1). A class is covered when at least <c>minFraction</c> of all images are in it
/// with probability &gt;= <c>confidence</c>. <see cref="KlUniform"/> = KL(histogram || uniform) = ln K - H(histogram),
/// 0 for a perfectly even spread, ln K when every image is in one class.
/// </summary>
public sealed record ClassCoverage(double[] Histogram, int ClassesCovered, double KlUniform, double ConfidentFraction)
{
    public int Classes => Histogram.Length;

    /// <param name="probabilities">N x K class probabilities (rows sum to 1).</param>
    public static ClassCoverage Compute(FeatureMatrix probabilities, double confidence, double minFraction)
    {
        int n = probabilities.Rows, k = probabilities.Columns;
        if (n == 0) throw new ArgumentException("no samples");
        var counts = new long[k];
        var confident = new long[k];
        for (int i = 0; i < n; i++)
        {
            var p = probabilities.Row(i);
            int best = 0;
            for (int c = 1; c < k; c++)
                if (p[c] > p[best]) best = c;
            counts[best]++;
            if (p[best] >= confidence) confident[best]++;
        }
        var histogram = counts.Select(c => (double)c / n).ToArray();
        // A class counts when >= minFraction of the images are confidently in it (and at least one is).
        int covered = confident.Count(c => c > 0 && c >= minFraction * n);
        return new ClassCoverage(histogram, covered, KlFromUniform(histogram), (double)confident.Sum() / n);
    }

    /// <summary>KL(p || uniform over p.Length classes), natural log; 0 * ln 0 = 0.</summary>
    public static double KlFromUniform(IReadOnlyList<double> p)
    {
        double kl = 0;
        double logK = Math.Log(p.Count);
        foreach (double q in p)
            if (q > 0) kl += q * (Math.Log(q) + logK);
        return Math.Max(0, kl);
    }
}
