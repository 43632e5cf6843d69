namespace GanCluster.Core.Scaling;

/// <summary>
/// One hop of the alpha-beta model: a message of m bytes costs <see cref="LatencySeconds"/> + m / <see cref="BytesPerSecond"/>
/// (alpha: the per-message start-up, i.e. software, system calls, wire and switch latency; beta = 1 / bandwidth).
/// </summary>
public sealed record LinkCost(double LatencySeconds, double BytesPerSecond)
{
    /// <summary>A link of <paramref name="megabitsPerSecond"/> with <paramref name="latencyMicroseconds"/> per message.</summary>
    public static LinkCost Of(double latencyMicroseconds, double megabitsPerSecond) => new(latencyMicroseconds * 1e-6, megabitsPerSecond * 1e6 / 8);
}
