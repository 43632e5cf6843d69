namespace GanCluster.Core.Quality;

/// <summary>
/// Sample quality as metrics.jsonl rows, the run's last event and `gancluster evaluate` write it (rounded to 6
/// decimals): fid, kid, kid_std, precision, recall, density, coverage, and features (the network they were computed with).
/// </summary>
public sealed record QualityReading(double Fid, double Kid, double KidStd, double Precision, double Recall, double Density,
    double Coverage, string Features)
{
    public static QualityReading Of(QualityMeasures measures) => new(
        Round(measures.Fid),
        Round(measures.Kid),
        Round(measures.KidStd),
        Round(measures.Manifold.Precision),
        Round(measures.Manifold.Recall),
        Round(measures.Manifold.Density),
        Round(measures.Manifold.Coverage),
        measures.Features);

    static double Round(double v) => Math.Round(v, 6);
}
