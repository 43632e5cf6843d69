namespace GanCluster.Core.Policies;

/// <summary>Why a policy changed its state: the statistic it watched, the value that crossed its rule, in words.</summary>
public sealed record Trigger(string Statistic, double Value, string Reason);
