using GanCluster.Core.Spec;

namespace GanCluster.Core.Policies;

/// <summary>
/// The statistics of one finished step, already all-reduced across ranks (so every rank, and the coordinator,
/// holds the same numbers). A statistic that was not measured is NaN.
/// </summary>
public sealed record StepSignals(
    long Step,
    double LossD,
    double LossG,
    double DReal,
    double DFake,
    double RealSign,
    bool DUpdated = true,
    bool GUpdated = true)
{
    /// <summary>loss_g - loss_d: large when D wins.</summary>
    public double LossGap => LossG - LossD;

    public double Get(PlateauMetric metric) => metric switch
    {
        PlateauMetric.LossG => LossG,
        PlateauMetric.LossD => LossD,
        PlateauMetric.DReal => DReal,
        PlateauMetric.DFake => DFake,
        PlateauMetric.RealSign => RealSign,
        PlateauMetric.LossGap => LossGap,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    public double Get(AdaptiveSignal signal) => signal switch
    {
        AdaptiveSignal.RealSign => RealSign,
        AdaptiveSignal.LossGap => LossGap,
        _ => throw new ArgumentOutOfRangeException(nameof(signal)),
    };

    public static string Name(PlateauMetric metric) => SpecSchema.EnumName(typeof(PlateauMetric), metric);

    public static string Name(AdaptiveSignal signal) => SpecSchema.EnumName(typeof(AdaptiveSignal), signal);
}
