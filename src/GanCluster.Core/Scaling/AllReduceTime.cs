namespace GanCluster.Core.Scaling;

/// <summary>An all-reduce's predicted time split into the alpha-beta model's two terms.</summary>
public sealed record AllReduceTime(double LatencySeconds, double BandwidthSeconds)
{
    public double TotalSeconds => LatencySeconds + BandwidthSeconds;

    /// <summary>True when the per-message start-ups cost more than moving the bytes.</summary>
    public bool LatencyDominates => LatencySeconds > BandwidthSeconds;

    public static AllReduceTime operator +(AllReduceTime a, AllReduceTime b) =>
        new(a.LatencySeconds + b.LatencySeconds, a.BandwidthSeconds + b.BandwidthSeconds);
}
