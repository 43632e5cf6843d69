namespace GanCluster.Core.Spec;

/// <summary>
/// A feedback controller on lr_d: every <see cref="Interval"/> steps, the signal's mean over the interval is
/// compared with the target; above it (D too strong) lr_d is multiplied by exp(-speed), below it by exp(speed),
/// within [min_lr_d, max_lr_d] (StyleGAN2-ADA's sign controller, applied to lr_d).
/// </summary>
public sealed class AdaptivePolicySpec : PolicySpec
{
    [SpecDoc("r_t (E[sign(D(real))], StyleGAN2-ADA) | loss_gap (loss_g - loss_d)")]
    public AdaptiveSignal Signal { get; set; } = AdaptiveSignal.RealSign;

    [SpecDoc("the signal's set point (r_t: 0.6 as in StyleGAN2-ADA)")]
    public double Target { get; set; } = 0.6;

    [SpecDoc("log-step of lr_d per adjustment: lr_d *= exp(-+speed)")]
    public double Speed { get; set; } = 0.01;

    [SpecDoc("steps averaged per adjustment (StyleGAN2-ADA: 4)")]
    public int Interval { get; set; } = 4;

    [SpecDoc("lower bound of lr_d")]
    public double MinLrD { get; set; } = 1.0e-5;

    [SpecDoc("upper bound of lr_d")]
    public double MaxLrD { get; set; } = 1.0e-3;

    public override void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.speed", Speed, 1e-9, 10.0);
        problems.Positive($"{path}.interval", Interval);
        problems.InRange($"{path}.min_lr_d", MinLrD, 1e-12, 1.0);
        problems.InRange($"{path}.max_lr_d", MaxLrD, 1e-12, 1.0);
        if (MaxLrD < MinLrD) problems.Add($"{path}.max_lr_d", $"a number >= min_lr_d ({SpecProblems.Show(MinLrD)})", SpecProblems.Show(MaxLrD));
        if (Signal == AdaptiveSignal.RealSign && Target is < -1 or > 1)
            problems.Add($"{path}.target", "a number in [-1, 1] for signal r_t", SpecProblems.Show(Target));
    }
}
