using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// A learning-rate balancing rule, as a pair of pure functions over an immutable state:
/// <see cref="Apply"/> turns the controls coming from the schedule (and the policies before it) into this
/// policy's controls; <see cref="Observe"/> folds one step's all-reduced statistics into the state.
/// No clocks, no randomness, no I/O: the same inputs give the same outputs on every replica.
/// </summary>
public abstract class Policy
{
    /// <summary>The kind as written in the run spec (fixed, ttur, skip-d, adaptive, plateau).</summary>
    public abstract string Kind { get; }

    public abstract PolicyState InitialState { get; }

    /// <summary>This policy's controls for a step, given its state and the controls it receives.</summary>
    public abstract Controls Apply(PolicyState state, Controls input);

    /// <summary>
    /// The state after observing step s. <paramref name="input"/> is what this policy received for step s.
    /// Returns the trigger when the observation changed what the policy will do.
    /// </summary>
    public abstract (PolicyState State, Trigger? Trigger) Observe(PolicyState state, StepSignals signals, Controls input);

    public static Policy Create(PolicySpec spec) => spec switch
    {
        FixedPolicySpec => new FixedPolicy(),
        TturPolicySpec t => new TturPolicy(t),
        SkipDPolicySpec s => new SkipDPolicy(s),
        AdaptivePolicySpec a => new AdaptivePolicy(a),
        PlateauPolicySpec p => new PlateauPolicy(p),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.GetType().Name, "unknown policy kind"),
    };

    protected static T Expect<T>(PolicyState state) where T : PolicyState =>
        state as T ?? throw new InvalidDataException($"policy state {state.GetType().Name} does not fit a {typeof(T).Name} policy");
}
