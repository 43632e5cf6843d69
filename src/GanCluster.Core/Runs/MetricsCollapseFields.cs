using System.Text.Json.Serialization;
using GanCluster.Core.Collapse;

namespace GanCluster.Core.Runs;

/// <summary>
/// The collapse monitor's figures in a metrics row: the evaluation of step <see cref="CollapseStep"/>'s weights
/// (it ran in the background, so it lands a step or more later), its reading, the images it measured and what it cost.
/// </summary>
public sealed record MetricsCollapseFields(
    long CollapseStep,
    [property: JsonFlatten] CollapseReading Reading,
    int CollapseN,
    double CollapseEvalS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CollapseReferenceS);
