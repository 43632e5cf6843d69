namespace GanCluster.Core.Spec;

/// <summary>
/// Progressive growing (Karras et al. 2018, ProGAN): start small, double the resolution up to model.resolution,
/// fading each new block in over <see cref="FadeImages"/> images, then stabilising for <see cref="StableImages"/>.
/// Only for model.arch progressive; the layer options are in <see cref="ProGanLayersSpec"/>. Cross-field checks
/// (resolutions against model.resolution) are in <see cref="RunSpec.Validate"/>.
/// </summary>
public sealed class ProgressiveSpec : ProGanLayersSpec, ISpecSection
{
    [SpecDoc("first resolution; the model doubles from here up to model.resolution")]
    public int StartResolution { get; set; } = 4;

    [SpecDoc("images shown (all ranks together) while a new block fades in, alpha rising 0 -> 1")]
    public long FadeImages { get; set; } = 600_000;

    [SpecDoc("images shown at alpha = 1 at each resolution before the next one fades in (the last one ends the run)")]
    public long StableImages { get; set; } = 600_000;

    [SpecDoc("per-rank batch size by resolution; unlisted resolutions use batch_size (ProGAN: 4-16: 128, 32: 64, 64: 32, 128: 16, 256: 8, 512: 4)")]
    public Dictionary<int, int> BatchSize { get; set; } = [];

    [SpecDoc("learning rate of both networks by resolution; unlisted resolutions use optim.lr_g and optim.lr_d")]
    public Dictionary<int, double> Lr { get; set; } = [];

    [SpecDoc("reset both optimizers' Adam state when a new resolution starts fading in (ProGAN does)")]
    public bool ResetOptimizerOnGrow { get; set; } = true;

    [SpecDoc("decay of the generator's exponential moving average used for samples (0: no EMA, samples from G)")]
    public double GEma { get; set; } = 0.999;

    public void Validate(SpecProblems problems, string path)
    {
        problems.PowerOfTwo($"{path}.start_resolution", StartResolution, 4, 1024);
        problems.Positive($"{path}.fade_images", FadeImages);
        problems.Positive($"{path}.stable_images", StableImages);
        foreach (var (res, batch) in BatchSize)
        {
            problems.PowerOfTwo($"{path}.batch_size", res, 4, 1024);
            problems.Positive($"{path}.batch_size.{res}", batch);
        }
        foreach (var (res, lr) in Lr)
        {
            problems.PowerOfTwo($"{path}.lr", res, 4, 1024);
            problems.InRange($"{path}.lr.{res}", lr, 1e-12, 1.0);
        }
        ValidateLayers(problems, path);
        if (GEma < 0 || GEma >= 1) problems.Add($"{path}.g_ema", "a number in [0, 1)", SpecProblems.Show(GEma));
    }
}
