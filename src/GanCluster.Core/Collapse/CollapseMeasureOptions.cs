namespace GanCluster.Core.Collapse;

/// <summary>The knobs of the measures themselves (from the run spec's collapse section or evaluate's defaults).</summary>
/// <param name="DuplicatePercentile">Percentile (0-100) of real-real distances below which a pair is a near-duplicate.</param>
/// <param name="Confidence">Class probability at which an image counts as confidently in a class.</param>
/// <param name="CoverageFraction">Fraction of all images that must be confidently in a class for it to be covered.</param>
public sealed record CollapseMeasureOptions(double DuplicatePercentile = 1.0, double Confidence = 0.9, double CoverageFraction = 0.01);
