namespace GanCluster.Core.Collapse;

/// <summary>One evaluation of a set of generated (or any) images against the reference data.</summary>
/// <param name="N">Images measured.</param>
/// <param name="Diversity">Mean pairwise feature distance of the set divided by that of the real sample (1: as diverse as the data).</param>
/// <param name="DuplicateRate">Fraction of the set's pairs closer than the real-real duplicate threshold.</param>
/// <param name="Coverage">Class spread, when a classifier applies.</param>
/// <param name="Score">The combined collapse score (<see cref="CollapseScore"/>).</param>
/// <remarks>As the run's files and `gancluster evaluate` write it: <see cref="CollapseReading"/>.</remarks>
public sealed record CollapseMeasures(int N, double Diversity, double DuplicateRate, ClassCoverage? Coverage, double Score)
{
    /// <summary>The same measures with the score recombined to count the quality measures' recall (<see cref="CollapseScore"/>).</summary>
    public CollapseMeasures WithRecall(double recall, double duplicatePercentile) =>
        this with { Score = CollapseScore.Combine(Diversity, DuplicateRate, duplicatePercentile, Coverage, recall) };
}
