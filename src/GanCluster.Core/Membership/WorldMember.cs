namespace GanCluster.Core.Membership;

/// <summary>One rank of a world: who, and where its data plane listens.</summary>
public sealed record WorldMember(int Rank, string TrainerId, string DataHost, int DataPort);
