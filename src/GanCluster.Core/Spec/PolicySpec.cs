namespace GanCluster.Core.Spec;

/// <summary>
/// One learning-rate balancing policy in the run spec's <c>policy</c> list (applied in order). The concrete
/// kind is picked by the <c>kind</c> key. The rules are in GanCluster.Core.Policies and docs/policies.md.
/// </summary>
[SpecKinds("kind",
    "fixed", typeof(FixedPolicySpec),
    "ttur", typeof(TturPolicySpec),
    "skip-d", typeof(SkipDPolicySpec),
    "adaptive", typeof(AdaptivePolicySpec),
    "plateau", typeof(PlateauPolicySpec))]
public abstract class PolicySpec : ISpecSection
{
    public virtual void Validate(SpecProblems problems, string path) { }
}
