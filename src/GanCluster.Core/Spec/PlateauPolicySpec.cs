namespace GanCluster.Core.Spec;

/// <summary>
/// Cut both learning rates by <see cref="Factor"/> when the monitored statistic (smoothed by an EMA) has not
/// improved by a relative <see cref="Threshold"/> for <see cref="Patience"/> steps (PyTorch's ReduceLROnPlateau).
/// </summary>
public sealed class PlateauPolicySpec : PolicySpec
{
    [SpecDoc("loss_g | loss_d | d_real | d_fake | r_t | loss_gap")]
    public PlateauMetric Metric { get; set; } = PlateauMetric.LossG;

    [SpecDoc("min: lower is better | max: higher is better")]
    public PlateauMode Mode { get; set; } = PlateauMode.Min;

    [SpecDoc("multiply both learning rates by this at a plateau")]
    public double Factor { get; set; } = 0.5;

    [SpecDoc("steps without improvement before a cut")]
    public int Patience { get; set; } = 500;

    [SpecDoc("neither learning rate is cut below this")]
    public double MinLr { get; set; } = 1.0e-6;

    [SpecDoc("EMA coefficient applied to the statistic before comparing (0: raw per-step values)")]
    public double Smoothing { get; set; } = 0.99;

    [SpecDoc("relative improvement over the best value that counts as improving")]
    public double Threshold { get; set; } = 1.0e-4;

    public override void Validate(SpecProblems problems, string path)
    {
        if (Factor is <= 0 or >= 1) problems.Add($"{path}.factor", "a number in (0, 1)", SpecProblems.Show(Factor));
        problems.Positive($"{path}.patience", Patience);
        problems.InRange($"{path}.min_lr", MinLr, 0.0, 1.0);
        if (Smoothing is < 0 or >= 1) problems.Add($"{path}.smoothing", "a number in [0, 1)", SpecProblems.Show(Smoothing));
        problems.InRange($"{path}.threshold", Threshold, 0.0, 1.0);
    }
}
