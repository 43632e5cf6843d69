namespace GanCluster.Core.Spec;

/// <summary>Learning rates as optim (and progressive.lr) set them; nothing adapts.</summary>
public sealed class FixedPolicySpec : PolicySpec;
