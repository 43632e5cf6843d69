using System.Text.Json.Serialization;
using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;

namespace GanCluster.Core.Runs;

/// <summary>
/// The collapse monitor's figures in a metrics row: the evaluation of step <see cref="CollapseStep"/>'s weights
/// (it ran in the background, so it lands a step or more later), its reading, the images it measured, its sample
/// quality when a feature network measured it (collapse.features), and what it cost.
/// </summary>
public sealed record MetricsCollapseFields(
    long CollapseStep,
    [property: JsonFlatten] CollapseReading Reading,
    int CollapseN,
    [property: JsonFlatten] QualityReading? Quality,
    double CollapseEvalS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CollapseReferenceS);
