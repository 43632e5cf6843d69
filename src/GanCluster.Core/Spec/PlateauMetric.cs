namespace GanCluster.Core.Spec;

/// <summary>A per-step statistic (all-reduced across ranks) a policy can watch.</summary>
public enum PlateauMetric
{
    [SpecName("loss_g")] LossG,
    [SpecName("loss_d")] LossD,
    [SpecName("d_real")] DReal,
    [SpecName("d_fake")] DFake,
    [SpecName("r_t")] RealSign,
    [SpecName("loss_gap")] LossGap,
}
