using System.Globalization;

namespace GanCluster.TestBed.Network;

/// <summary>
/// tc tbf settings for a bandwidth cap. The bucket holds 1 ms of traffic (at least two full-size frames; tbf splits
/// larger GSO segments), so a cap holds from the first kilobytes instead of after a large free burst; the queue holds
/// 50 ms (a realistic switch buffer; longer queues only add latency for the control messages behind bulk data).
/// </summary>
public static class LinkShaper
{
    public static IReadOnlyList<string> TbfArgs(long bitsPerSecond)
    {
        if (bitsPerSecond < 8000) throw new ArgumentOutOfRangeException(nameof(bitsPerSecond), bitsPerSecond, "at least 8 kbit/s");
        long burst = Math.Max(2 * 1514, bitsPerSecond / 8 / 1000);
        return ["tbf", "rate", $"{bitsPerSecond.ToString(CultureInfo.InvariantCulture)}bit",
            "burst", burst.ToString(CultureInfo.InvariantCulture), "latency", "50ms"];
    }
}
