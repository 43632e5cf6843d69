using GanCluster.Core.Collapse;

namespace GanCluster.Core.Runs.Events;

/// <summary>
/// The collapse response rescued the run in place (no healthy checkpoint to roll back to): from the next step ADA's p
/// is at least <paramref name="P"/> and R1's gamma at least <paramref name="R1Gamma"/>.
/// </summary>
public sealed record CollapseRescueEvent(
    int Rescue,
    int MaxRescues,
    string Reason,
    double? CollapseScore,
    long? SuspectedSince,
    double P,
    double R1Gamma,
    CollapseResponseState State) : RunEvent(EventKind.CollapseRescue);
