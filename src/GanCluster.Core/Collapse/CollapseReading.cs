namespace GanCluster.Core.Collapse;

/// <summary>
/// An evaluation's figures as the run's files and `gancluster evaluate` write them (rounded to 5 decimals): diversity,
/// duplicate_rate, classes_covered, class_histogram, kl_uniform (the class fields null without a classifier),
/// collapse_score and the flag, collapse_suspected.
/// </summary>
public sealed record CollapseReading(double Diversity, double DuplicateRate, int? ClassesCovered, IReadOnlyList<double>? ClassHistogram,
    double? KlUniform, double CollapseScore, bool CollapseSuspected)
{
    public static CollapseReading Of(CollapseMeasures measures, bool suspected) => new(
        Round(measures.Diversity),
        Round(measures.DuplicateRate),
        measures.Coverage?.ClassesCovered,
        measures.Coverage?.Histogram.Select(Round).ToArray(),
        measures.Coverage == null ? null : Round(measures.Coverage.KlUniform),
        Round(measures.Score),
        suspected);

    static double Round(double v) => Math.Round(v, 5);
}
