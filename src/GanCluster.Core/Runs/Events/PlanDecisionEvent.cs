using GanCluster.Core.Planning;

namespace GanCluster.Core.Runs.Events;

/// <summary>A decision of the training plan (phase, growth, learning rate, D switch), written when its step starts.</summary>
public sealed record PlanDecisionEvent(Decision Decision) : RunEvent(Decision.Kind);
