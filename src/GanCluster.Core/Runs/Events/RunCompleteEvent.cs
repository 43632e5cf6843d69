namespace GanCluster.Core.Runs.Events;

/// <summary>Every rank reported the final step: the cluster run is complete; are the final replicas identical?</summary>
public sealed record RunCompleteEvent(int WorldSize, bool ReplicasIdentical, string ReplicaHash, long Epoch) : RunEvent(EventKind.RunComplete);
