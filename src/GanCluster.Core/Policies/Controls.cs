namespace GanCluster.Core.Policies;

/// <summary>The knobs the policies turn for one step: both learning rates and whether D is updated.</summary>
public readonly record struct Controls(double LrG, double LrD, bool UpdateD = true);
