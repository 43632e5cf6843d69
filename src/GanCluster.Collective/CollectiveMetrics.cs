using System.Diagnostics.Metrics;

namespace GanCluster.Collective;

/// <summary>
/// The data plane's System.Diagnostics.Metrics instruments (one process-wide Meter). Exporters subscribe to
/// <see cref="MeterName"/>; the instrument names are Prometheus-ready.
/// </summary>
public static class CollectiveMetrics
{
    public const string MeterName = "GanCluster.Collective";

    public const string AllReduceSeconds = "gancluster_allreduce_seconds";
    public const string AllReduceBytes = "gancluster_allreduce_bytes_total";
    public const string BroadcastSeconds = "gancluster_broadcast_seconds";
    public const string SentBytes = "gancluster_dataplane_sent_bytes_total";
    public const string ReceivedBytes = "gancluster_dataplane_received_bytes_total";
    public const string RefusedConnections = "gancluster_refused_connections_total";
    public const string FencedPeers = "gancluster_fenced_peers_total";
    public const string Aborts = "gancluster_collective_aborts_total";
    public const string TransferBytes = "gancluster_transfer_bytes_total";

    internal static readonly Meter Meter = new(MeterName, "1.0");

    internal static readonly Histogram<double> AllReduceDuration =
        Meter.CreateHistogram<double>(AllReduceSeconds, "s", "Duration of one all-reduce, call to completion");

    internal static readonly Counter<long> AllReducePayload =
        Meter.CreateCounter<long>(AllReduceBytes, "By", "fp32 payload bytes all-reduced (buffer size per call)");

    internal static readonly Histogram<double> BroadcastDuration =
        Meter.CreateHistogram<double>(BroadcastSeconds, "s", "Duration of one broadcast");

    internal static readonly Counter<long> Sent = Meter.CreateCounter<long>(SentBytes, "By", "Bytes written to data-plane sockets");

    internal static readonly Counter<long> Received = Meter.CreateCounter<long>(ReceivedBytes, "By", "Bytes read from data-plane sockets");

    internal static readonly Counter<long> Refused =
        Meter.CreateCounter<long>(RefusedConnections, null, "Incoming data-plane connections refused, by reason");

    internal static readonly Counter<long> Fenced =
        Meter.CreateCounter<long>(FencedPeers, null, "Connections refused because they carried an older world epoch");

    internal static readonly Counter<long> AbortCount = Meter.CreateCounter<long>(Aborts, null, "Aborted collective operations, by reason");

    internal static readonly Counter<long> Transfer =
        Meter.CreateCounter<long>(TransferBytes, "By", "Point-to-point transfer payload bytes, by direction");
}
