namespace GanCluster.Core.Policies;

/// <summary>fixed: passes the scheduled learning rates through unchanged.</summary>
public sealed class FixedPolicy : Policy
{
    public override string Kind => "fixed";

    public override PolicyState InitialState { get; } = new StatelessPolicyState();

    public override Controls Apply(PolicyState state, Controls input) => input;

    public override (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input) => (state, null);
}
