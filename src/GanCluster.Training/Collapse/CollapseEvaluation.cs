using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;

namespace GanCluster.Training.Collapse;

/// <summary>One finished monitor evaluation: the generator's weights at <paramref name="Step"/>, scored.</summary>
/// <param name="Quality">FID, KID, precision/recall in the monitor's feature network (null with collapse.features: none).</param>
/// <param name="Seconds">Wall time of the evaluation on the background thread (generation, features, distances).</param>
/// <param name="ReferenceSeconds">Time spent building the real references (only the first evaluation pays it; else 0).</param>
public sealed record CollapseEvaluation(long Step, CollapseMeasures Measures, double Seconds, double ReferenceSeconds, QualityMeasures? Quality = null);
