using GanCluster.Core.Collapse;
using GanCluster.Core.Runs;

namespace GanCluster.Training.Evaluation;

/// <summary>
/// What `gancluster evaluate` prints (one JSON object, <see cref="RunJson"/>; docs/collapse.md): the reading, the
/// images measured, and what they were measured against.
/// </summary>
/// <param name="Classifier">the classifier weights used, or null (pixels only)</param>
/// <param name="Samples">what was scored: the full path of an image set, or the checkpoint folder (for a run directory, the one chosen)</param>
public sealed record EvaluationReport([property: JsonFlatten] CollapseReading Reading, int N, string Reference, int ReferenceN,
    string? Classifier, string Samples);
