using System.Text.Json.Serialization;
using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;

namespace GanCluster.Core.Runs.Events;

/// <summary>The collapse monitor at the end of a run: its last evaluation (when one landed) and the flag.</summary>
/// <param name="Reading">the last evaluation's figures, or null</param>
/// <param name="N">images that evaluation measured</param>
/// <param name="Quality">that evaluation's sample quality, when a feature network measured it</param>
/// <param name="CollapseStep">the step whose weights it measured</param>
public sealed record CollapseSummary(
    [property: JsonFlatten] CollapseReading? Reading,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? N,
    [property: JsonFlatten] QualityReading? Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CollapseStep,
    CollapseFlagState Flag);
