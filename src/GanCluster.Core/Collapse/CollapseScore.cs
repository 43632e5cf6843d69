namespace GanCluster.Core.Collapse;

/// <summary>
/// The combined collapse score in [0, 1] (0: as healthy as the data, 1: one image). It is the quadratic mean
/// (root mean square) of the components that are available, each in [0, 1] with 0 for real data:
/// <list type="bullet">
/// <item>diversity: 1 - diversity (clipped; more diverse than the data counts as 0);</item>
/// <item>duplicates: ln(rate / p) / ln(1 / p), clipped, where p is the duplicate percentile as a fraction
/// (real data has rate ~ p by construction, a single repeated image has rate 1);</item>
/// <item>classes (with a classifier): KL(histogram || uniform) / ln K (0: even spread, 1: one class);</item>
/// <item>recall (with a feature network, docs/collapse.md): 1 − recall, the fraction of real images outside the
/// generated set's k-NN manifold (real data ~0.1, lost modes → 1).</item>
/// </list>
/// The quadratic mean lets one strong signal count (all samples in two classes: ~0.4 on MNIST, where an average
/// would dilute it to ~0.3) while agreement of all components still ranks highest (one image: ~1).
/// docs/collapse.md gives the reasoning and the scores measured on constructed sets.
/// </summary>
public static class CollapseScore
{
    public static double DiversityComponent(double diversity) => Math.Clamp(1 - diversity, 0, 1);

    public static double DuplicateComponent(double duplicateRate, double percentile)
    {
        double p = percentile / 100.0;
        if (duplicateRate <= p || p <= 0 || p >= 1) return 0;
        return Math.Clamp(Math.Log(duplicateRate / p) / Math.Log(1 / p), 0, 1);
    }

    public static double ClassComponent(double klUniform, int classes) =>
        classes < 2 ? 0 : Math.Clamp(klUniform / Math.Log(classes), 0, 1);

    public static double RecallComponent(double recall) => Math.Clamp(1 - recall, 0, 1);

    public static double Combine(double diversity, double duplicateRate, double duplicatePercentile, ClassCoverage? coverage, double? recall = null)
    {
        double d = DiversityComponent(diversity), u = DuplicateComponent(duplicateRate, duplicatePercentile);
        double sumOfSquares = d * d + u * u;
        int parts = 2;
        if (coverage != null)
        {
            double c = ClassComponent(coverage.KlUniform, coverage.Classes);
            sumOfSquares += c * c;
            parts++;
        }
        if (recall is { } r && double.IsFinite(r))
        {
            double m = RecallComponent(r);
            sumOfSquares += m * m;
            parts++;
        }
        return Math.Clamp(Math.Sqrt(sumOfSquares / parts), 0, 1);
    }
}
