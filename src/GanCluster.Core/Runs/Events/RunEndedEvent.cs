using System.Text.Json.Serialization;

namespace GanCluster.Core.Runs.Events;

/// <summary>
/// The end of a trainer's run, written by rank 0 after its final checkpoint: run_finished, run_interrupted (a stop on
/// request) or collapse_stopped (the collapse response stopped the run; <see cref="Reason"/> and <see cref="Rollbacks"/>).
/// </summary>
/// <param name="Collapse">the collapse monitor's last state, when it ran</param>
public sealed record RunEndedEvent(
    [property: JsonIgnore] string Ending,
    long SkippedNonfinite,
    long ImagesSeen,
    string ReplicaHash,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CollapseSummary? Collapse = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Rollbacks = null) : RunEvent(Ending);
