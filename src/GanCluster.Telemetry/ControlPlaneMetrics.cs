using System.Diagnostics.Metrics;

namespace GanCluster.Telemetry;

/// <summary>
/// Process-wide instruments of the control plane's authentication (docs/security.md). Static like the data plane's
/// (the serializer that refuses a message runs inside Akka remoting, which knows nothing of this node's telemetry);
/// every <see cref="NodeTelemetry"/> exports this meter.
/// </summary>
public static class ControlPlaneMetrics
{
    public const string MeterName = "GanCluster.ControlPlane";

    static readonly Meter Meter = new(MeterName, "1.0");

    static readonly Counter<long> RefusedCounter = Meter.CreateCounter<long>(MetricNames.RefusedControlMessages, null,
        "Control messages dropped: not sealed with this run's token, replayed, or from a sender not entitled to them; by reason");

    static readonly Counter<long> CoordinatorReceivedCounter = Meter.CreateCounter<long>(MetricNames.CoordinatorControlMessages, null,
        "Control messages that reached the coordinator (admitted or not), by message type: its load as the cluster grows (docs/scaling.md)");

    static long _refused;

    /// <summary>Every refusal of this process so far (for tests and log lines).</summary>
    public static long RefusedTotal => Interlocked.Read(ref _refused);

    /// <summary>A control message reached the coordinator actor (counted before the policy decides on it).</summary>
    public static void ReceivedAtCoordinator(string type) =>
        CoordinatorReceivedCounter.Add(1, new KeyValuePair<string, object?>("type", type));

    public static void Refused(string reason)
    {
        Interlocked.Increment(ref _refused);
        RefusedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }
}
