using GanCluster.TestBed.Nemesis;

namespace GanCluster.TestBed.Checking;

/// <summary>One row of the per-fault-kind table `make nemesis` prints.</summary>
public sealed record FaultKindSummary(FaultKind Kind, int Count, double? NextStepP50, double? NextStepMax, double? MaxStall,
    long StepsLost, int WrongExits, int WrongExclusions, int CheckpointFallbacks, double? RejoinMax, int NeverRejoined);
