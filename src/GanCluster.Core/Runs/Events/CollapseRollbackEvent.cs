using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;

namespace GanCluster.Core.Runs.Events;

/// <summary>
/// The collapse response rolled the run back from <paramref name="FromStep"/> to checkpoint <paramref name="ToStep"/>,
/// applying <paramref name="Mitigation"/> (each in its spec form); what the abandoned steps wrote is under
/// <paramref name="Archived"/>.
/// </summary>
public sealed record CollapseRollbackEvent(
    long FromStep,
    long ToStep,
    int Rollback,
    int MaxRollbacks,
    string Reason,
    double? CollapseScore,
    long? SuspectedSince,
    IReadOnlyList<JsonObject> Mitigation,
    double LrGScale,
    double LrDScale,
    CollapseResponseState State,
    IReadOnlyList<long> DroppedCheckpoints,
    RollbackArchive Archived) : RunEvent(EventKind.CollapseRollback);
