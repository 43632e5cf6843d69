namespace GanCluster.Cluster.Trainer;

/// <summary>
/// `gancluster trainer --simulate STEP_MS`: a trainer whose step sleeps instead of computing, then all-reduces a
/// gradient buffer of <see cref="GradientFloats"/> fp32 values over the real data plane (docs/scaling.md).
/// </summary>
/// <param name="StepMilliseconds">the fake step's compute time.</param>
/// <param name="GradientFloats">values all-reduced per step (one flat buffer, as the GAN's FlatGradients).</param>
public sealed record SimulationOptions(int StepMilliseconds, int GradientFloats)
{
    /// <summary>64 KiB of gradients: small enough for hundreds of ranks on one machine, enough to exercise the ring's segments.</summary>
    public const int DefaultGradientKib = 64;
}
