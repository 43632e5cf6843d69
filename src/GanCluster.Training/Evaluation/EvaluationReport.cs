using System.Text.Json.Serialization;
using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;
using GanCluster.Core.Runs;

namespace GanCluster.Training.Evaluation;

/// <summary>
/// What `gancluster evaluate` prints (one JSON object, <see cref="RunJson"/>; docs/collapse.md): the reading, the
/// images measured, their sample quality when a feature network measured it, and what they were measured against.
/// </summary>
/// <param name="FeaturesDescription">the feature network's description (with <paramref name="Quality"/>)</param>
/// <param name="ComparableWithPublishedFid">whether its FID compares with published numbers (only inception-v3)</param>
/// <param name="Classifier">the classifier weights used, or null (pixels only)</param>
/// <param name="Samples">what was scored: the full path of an image set, or the checkpoint folder (for a run directory, the one chosen)</param>
public sealed record EvaluationReport([property: JsonFlatten] CollapseReading Reading, int N,
    [property: JsonFlatten] QualityReading? Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FeaturesDescription,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ComparableWithPublishedFid,
    string Reference, int ReferenceN, string? Classifier, string Samples);
