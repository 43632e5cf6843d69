using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>ttur: lr_g and lr_d set outright (Heusel et al. 2017: D typically several times faster than G).</summary>
public sealed class TturPolicy(TturPolicySpec spec) : Policy
{
    public override string Kind => "ttur";

    public override PolicyState InitialState { get; } = new StatelessPolicyState();

    public override Controls Apply(PolicyState state, Controls input) => input with { LrG = spec.LrG, LrD = spec.LrD };

    public override (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input) => (state, null);
}
