using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// Builds a trainer's replica the first time it enters a world: <paramref name="events"/> carries rank 0's run events to
/// the coordinator; <paramref name="resumeCheckpoint"/> is the world's checkpoint to start from (null: fresh, or the
/// state comes from a peer).
/// </summary>
public delegate IRankReplica ReplicaFactory(TrainerSettings settings, IEventSink events, string? resumeCheckpoint);
