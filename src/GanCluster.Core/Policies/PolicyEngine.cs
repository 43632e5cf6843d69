using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// The run spec's policy list, applied in order: each policy turns the controls it receives (the schedule's,
/// then each earlier policy's output) into its own. Pure: states go in, states come out.
/// </summary>
public sealed class PolicyEngine
{
    public PolicyEngine(IEnumerable<PolicySpec> specs)
    {
        Policies = specs.Select(Policy.Create).ToList();
    }

    public IReadOnlyList<Policy> Policies { get; }

    public IReadOnlyList<PolicyState> InitialStates() => Policies.Select(p => p.InitialState).ToList();

    /// <summary>The controls for a step: <paramref name="scheduled"/> folded through every policy.</summary>
    public Controls Apply(IReadOnlyList<PolicyState> states, Controls scheduled) => Inputs(states, scheduled)[^1];

    /// <summary>What each policy receives (index i) and what the last one returns (index Count).</summary>
    public Controls[] Inputs(IReadOnlyList<PolicyState> states, Controls scheduled)
    {
        CheckStates(states);
        var chain = new Controls[Policies.Count + 1];
        chain[0] = scheduled;
        for (int i = 0; i < Policies.Count; i++) chain[i + 1] = Policies[i].Apply(states[i], chain[i]);
        return chain;
    }

    /// <summary>
    /// Folds step s's statistics into every policy's state. <paramref name="scheduled"/> is the schedule's
    /// controls for step s (each policy observes with the input it had at step s).
    /// </summary>
    public (IReadOnlyList<PolicyState> States, IReadOnlyList<Trigger?> Triggers) Observe(
        IReadOnlyList<PolicyState> states, StepSignals signals, Controls scheduled)
    {
        var inputs = Inputs(states, scheduled);
        var next = new PolicyState[Policies.Count];
        var triggers = new Trigger?[Policies.Count];
        for (int i = 0; i < Policies.Count; i++) (next[i], triggers[i]) = Policies[i].Observe(states[i], signals, inputs[i]);
        return (next, triggers);
    }

    void CheckStates(IReadOnlyList<PolicyState> states)
    {
        if (states.Count != Policies.Count)
            throw new InvalidDataException($"{states.Count} policy states for {Policies.Count} policies (the policy list changed)");
    }
}
