namespace GanCluster.Core.Spec;

/// <summary>Regularisers of the discriminator: the R1 gradient penalty and spectral normalisation.</summary>
public sealed class RegularizationSpec : ISpecSection
{
    [SpecDoc("R1 penalty weight gamma: D's loss gains gamma/2 * ||grad_x D(x_real)||^2 (Mescheder et al. 2018; 0: off)")]
    public double R1Gamma { get; set; }

    [SpecDoc("lazy R1: the penalty runs every N steps, scaled by N (StyleGAN2's 16)")]
    public int R1Every { get; set; } = 16;

    [SpecDoc("spectral normalisation of D's conv and linear weights (Miyato et al. 2018; one power iteration per forward)")]
    public bool SpectralNorm { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.r1_gamma", R1Gamma, 0.0, 1e4);
        problems.Positive($"{path}.r1_every", R1Every);
    }
}
