namespace GanCluster.Core.Membership;

/// <summary>What a trainer says when it registers (again): where it is, and which replica state it holds.</summary>
/// <param name="Node">its cluster node's address (how unreachability and removal are mapped to trainers)</param>
/// <param name="Step">steps its in-memory replica has completed (-1: none, a fresh process)</param>
/// <param name="StateHash">the hash of that replica (null without state)</param>
/// <param name="LastEpoch">the last world it trained in (0: none)</param>
/// <param name="RankHint">its rank in the first world (a pod's index); -1: none</param>
public sealed record TrainerReport(string TrainerId, string Node, string DataHost, int DataPort, string Device,
    long Step = -1, string? StateHash = null, long LastEpoch = 0, int Restarts = 0, int RankHint = -1);
