using GanCluster.Core.Collapse;

namespace GanCluster.Training.Collapse;

/// <summary>One finished monitor evaluation: the generator's weights at <paramref name="Step"/>, scored.</summary>
/// <param name="Seconds">Wall time of the evaluation on the background thread (generation, features, distances).</param>
/// <param name="ReferenceSeconds">Time spent building the real reference (only the first evaluation pays it; else 0).</param>
public sealed record CollapseEvaluation(long Step, CollapseMeasures Measures, double Seconds, double ReferenceSeconds);
