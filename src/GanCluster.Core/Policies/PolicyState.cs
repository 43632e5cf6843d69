using System.Text.Json.Serialization;

namespace GanCluster.Core.Policies;

/// <summary>
/// A policy's internal state: immutable, plain data, serialised to JSON in checkpoints (and, for the cluster,
/// small enough to travel in a control message). Equal states give equal decisions on every replica.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(StatelessPolicyState), "stateless")]
[JsonDerivedType(typeof(SkipDState), "skip-d")]
[JsonDerivedType(typeof(AdaptiveState), "adaptive")]
[JsonDerivedType(typeof(PlateauState), "plateau")]
public abstract record PolicyState;

/// <summary>The state of a policy that has none (fixed, ttur).</summary>
public sealed record StatelessPolicyState : PolicyState;

/// <param name="Consecutive">D updates skipped in a row up to the last observed step.</param>
/// <param name="SkipNext">Whether the next step skips D's update.</param>
public sealed record SkipDState(int Consecutive, bool SkipNext) : PolicyState;

/// <param name="LogScale">ln(lr_d out / lr_d in): the controller's accumulated adjustment.</param>
/// <param name="Sum">Sum of the signal over the steps of the current interval.</param>
/// <param name="Count">Steps in the current interval so far.</param>
public sealed record AdaptiveState(double LogScale, double Sum, int Count) : PolicyState;

/// <param name="Smoothed">EMA of the monitored statistic (null before the first finite value).</param>
/// <param name="Best">Best smoothed value so far.</param>
/// <param name="StepsSinceBest">Observed steps since the best value improved (or since the last cut).</param>
/// <param name="Scale">Product of the cuts so far (factor^cuts).</param>
/// <param name="Cuts">Number of cuts.</param>
public sealed record PlateauState(double? Smoothed, double? Best, long StepsSinceBest, double Scale, int Cuts) : PolicyState;
