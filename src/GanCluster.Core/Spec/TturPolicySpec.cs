namespace GanCluster.Core.Spec;

/// <summary>Two time-scale update rule (Heusel et al. 2017): separate learning rates for D and G.</summary>
public sealed class TturPolicySpec : PolicySpec
{
    [SpecDoc("generator learning rate")]
    public double LrG { get; set; } = 1.0e-4;

    [SpecDoc("discriminator learning rate (TTUR: larger than lr_g)")]
    public double LrD { get; set; } = 4.0e-4;

    public override void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.lr_g", LrG, 1e-12, 1.0);
        problems.InRange($"{path}.lr_d", LrD, 1e-12, 1.0);
    }
}
