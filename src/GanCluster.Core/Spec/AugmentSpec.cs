namespace GanCluster.Core.Spec;

/// <summary>
/// Augmentation of D's inputs (real and fake alike) with differentiable ops, so G still learns through them: the
/// remedy for a discriminator that wins from the first steps (docs/policies.md, "When D wins").
/// </summary>
public sealed class AugmentSpec : ISpecSection
{
    [SpecDoc("none | diffaugment (every op on every image) | ada (each op on each image with probability p, p steered toward target)")]
    public AugmentKind Kind { get; set; } = AugmentKind.None;

    [SpecDoc("the ops, applied in this order: translation | cutout | color")]
    public List<AugmentOp> Ops { get; set; } = [AugmentOp.Translation, AugmentOp.Cutout, AugmentOp.Color];

    [SpecDoc("ada: the r_t = E[sign(D(real))] that p is steered toward (0.6 in Karras et al. 2020)")]
    public double Target { get; set; } = 0.6;

    [SpecDoc("ada: images (all ranks together) over which p can move from 0 to 1 (500k in Karras et al. 2020)")]
    public long AdjustImages { get; set; } = 500_000;

    [SpecDoc("ada: the probability p at the first step")]
    public double P { get; set; }

    [SpecDoc("ada: steps between adjustments of p (r_t is averaged over them)")]
    public int Interval { get; set; } = 4;

    public void Validate(SpecProblems problems, string path)
    {
        if (Kind != AugmentKind.None && Ops.Count == 0) problems.Add($"{path}.ops", "at least one op (translation, cutout, color)", "an empty list");
        if (Ops.Distinct().Count() != Ops.Count) problems.Add($"{path}.ops", "each op at most once", string.Join(", ", Ops.Select(o => SpecSchema.EnumName(typeof(AugmentOp), o))));
        problems.InRange($"{path}.target", Target, 0.0, 1.0);
        problems.Positive($"{path}.adjust_images", AdjustImages);
        problems.InRange($"{path}.p", P, 0.0, 1.0);
        problems.Positive($"{path}.interval", Interval);
    }
}
