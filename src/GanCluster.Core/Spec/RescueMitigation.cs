namespace GanCluster.Core.Spec;

/// <summary>
/// The rescue of a run whose discriminator won from the start (docs/policies.md, "When D wins"): switch augmentation
/// on (ADA, when augment.kind is none), raise ADA's p to at least <see cref="P"/> and R1 to at least
/// <see cref="R1Gamma"/>. It needs no healthy checkpoint: with none to roll back to (every checkpoint was taken while
/// the flag was up, or its last evaluation already scored collapsed, e.g. one from the warm-up of a run that never
/// learned) the response applies it in place and training continues; at a rollback it is applied as well.
/// <c>{ kind: rescue, p: 0.2, r1_gamma: 1 }</c>.
/// </summary>
public sealed class RescueMitigation : CollapseMitigation
{
    [SpecDoc("ADA's p becomes at least this (times the rescue's number); ada is switched on when augment.kind is none")]
    public double P { get; set; } = 0.2;

    [SpecDoc("R1's gamma becomes at least this (times the rescue's number; 0: R1 as the spec says)")]
    public double R1Gamma { get; set; } = 1.0;

    [SpecDoc("a checkpoint is healthy (worth rolling back to) only if its last evaluation's collapse_score was below this")]
    public double HealthyBelow { get; set; } = 0.3;

    [SpecDoc("rescues in place allowed per run (then the response rolls back or stops as without it)")]
    public int MaxRescues { get; set; } = 2;

    [SpecDoc("evaluations a rescue is given to work before the response acts again")]
    public int Patience { get; set; } = 4;

    [SpecDoc("a rescue that lowered collapse_score by more than this since the rescue (or since the last such check) is left to work: the run trains on without another rescue or a stop")]
    public double ImprovingBy { get; set; } = 0.02;

    public override void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.p", P, 0.0, 1.0);
        problems.InRange($"{path}.r1_gamma", R1Gamma, 0.0, 1e4);
        problems.InRange($"{path}.healthy_below", HealthyBelow, 0.0, 1.0);
        problems.AtLeast($"{path}.max_rescues", MaxRescues, 0);
        problems.Positive($"{path}.patience", Patience);
        problems.InRange($"{path}.improving_by", ImprovingBy, 0.0, 1.0);
    }
}
