namespace GanCluster.Core.Collapse;

/// <summary>
/// When the collapse_suspected flag changes: it rises after <paramref name="RaiseAfter"/> consecutive evaluations
/// with score &gt;= <paramref name="RaiseThreshold"/>, and clears after <paramref name="ClearAfter"/> consecutive
/// evaluations with score &lt;= <paramref name="ClearThreshold"/> (lower than the raise threshold, so a score
/// hovering near one threshold does not flap). Evaluations before <paramref name="WarmupSteps"/> never raise it
/// (an untrained generator looks collapsed).
/// </summary>
public sealed record CollapseHysteresisOptions(double RaiseThreshold, double ClearThreshold, int RaiseAfter, int ClearAfter, long WarmupSteps = 0);
