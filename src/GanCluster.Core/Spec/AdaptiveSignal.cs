namespace GanCluster.Core.Spec;

/// <summary>What the adaptive policy steers. Positive error (signal above target) means D is too strong.</summary>
public enum AdaptiveSignal
{
    /// <summary>r_t = E[sign(D(real))], StyleGAN2-ADA's overfitting heuristic.</summary>
    [SpecName("r_t")] RealSign,
    /// <summary>loss_g - loss_d: large when D wins.</summary>
    [SpecName("loss_gap")] LossGap,
}
