namespace GanCluster.Core.Spec;

/// <summary>Adam settings for both networks.</summary>
public sealed class OptimSpec : ISpecSection
{
    [SpecDoc("generator learning rate")]
    public double LrG { get; set; } = 2.0e-4;

    [SpecDoc("discriminator learning rate")]
    public double LrD { get; set; } = 2.0e-4;

    [SpecDoc("Adam beta1 (DCGAN: 0.5; ProGAN: 0)")]
    public double Beta1 { get; set; } = 0.5;

    [SpecDoc("Adam beta2 (ProGAN: 0.99)")]
    public double Beta2 { get; set; } = 0.999;

    /// <summary>
    /// dcgan and msg: an exponential moving average of the generator's weights (0 = off) that samples, the collapse and
    /// quality measures and `sample` use (Yazıcı et al. 2019: averaging steadies a GAN's output). Progressive runs set
    /// theirs with progressive.g_ema.
    /// </summary>
    [SpecDoc("dcgan and msg: decay of the generator's exponential moving average that samples, collapse/quality measures and `sample` use (0: off; progressive runs: progressive.g_ema)")]
    public double GEma { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.lr_g", LrG, 1e-12, 1.0);
        problems.InRange($"{path}.lr_d", LrD, 1e-12, 1.0);
        problems.InRange($"{path}.beta1", Beta1, 0.0, 0.999999);
        problems.InRange($"{path}.beta2", Beta2, 0.0, 0.999999);
        if (GEma < 0 || GEma >= 1) problems.Add($"{path}.g_ema", "a number in [0, 1) (0: off)", SpecProblems.Show(GEma));
    }
}
