using GanCluster.TestBed.Nemesis;

namespace GanCluster.TestBed.Cluster;

/// <summary>What the nemesis did (faults applied, faults skipped because the run was over) and whether the run ended in time.</summary>
public sealed record NemesisRunResult(IReadOnlyList<FaultRecord> Applied, IReadOnlyList<PlannedFault> Skipped, bool EndedInTime);
