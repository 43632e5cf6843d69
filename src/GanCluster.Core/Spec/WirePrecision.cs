namespace GanCluster.Core.Spec;

public enum WirePrecision
{
    Fp32,
    Bf16,
    Fp16,
}
