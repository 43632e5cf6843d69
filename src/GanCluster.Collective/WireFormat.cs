namespace GanCluster.Collective;

/// <summary>How gradient values travel on the wire. Accumulation is always fp32.</summary>
public enum WireFormat : byte
{
    /// <summary>Exact: 4 bytes per value, the result equals an fp32 sum in the ring's fixed order.</summary>
    Float32 = 0,

    /// <summary>bfloat16 (8-bit mantissa, fp32 range): half the bytes, ~0.4% relative rounding per hop.</summary>
    BFloat16 = 1,

    /// <summary>IEEE half (11-bit mantissa, max 65504; larger values become infinity): half the bytes.</summary>
    Float16 = 2,
}
