namespace GanCluster.Telemetry.Logging;

/// <summary>How log lines are printed (`--log-format`, $GANCLUSTER_LOG_FORMAT).</summary>
public enum LogFormat
{
    /// <summary>"2025-06-01 12:00:00.123 INF message" (bad-input lines as they are, without a timestamp).</summary>
    Text,

    /// <summary>One JSON object per line: timestamp, level, node, rank (trainers), message, source and exception when known.</summary>
    Json,
}
