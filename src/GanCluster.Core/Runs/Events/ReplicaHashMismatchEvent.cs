using System.Text.Json.Serialization;

namespace GanCluster.Core.Runs.Events;

/// <summary>Replicas differ (their hashes disagree with rank 0's): the run stops.</summary>
public sealed record ReplicaHashMismatchEvent(int RanksDiffering, [property: JsonPropertyName("rank0_hash")] string Rank0Hash)
    : RunEvent(EventKind.ReplicaHashMismatch);
