namespace GanCluster.Training.Steps;

/// <summary>
/// What one training step measured, averaged over all ranks (so every rank holds the same values).
/// d_real / d_fake are D's mean output on real and generated images (a probability for the BCE loss);
/// r_t = E[sign(D(real))] is StyleGAN2-ADA's overfitting signal.
/// </summary>
public sealed record StepStats(
    long Step,
    double LossD,
    double LossG,
    double DReal,
    double DFake,
    double RealSign,
    double GradNormD,
    double GradNormG,
    bool DUpdated,
    bool GUpdated,
    bool DSkippedByPolicy)
{
    public bool AnyNonFinite => !DUpdated && !DSkippedByPolicy || !GUpdated;

    /// <summary>Ranks that asked to stop after this step (the same number on every rank).</summary>
    public int StopVotes { get; init; }

    /// <summary>The probability D's inputs were augmented with (1: diffaugment; ADA's p); null without augmentation.</summary>
    public double? AugmentP { get; init; }
}
