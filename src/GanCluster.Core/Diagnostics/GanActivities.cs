using System.Diagnostics;

namespace GanCluster.Core.Diagnostics;

/// <summary>
/// The run's trace spans (System.Diagnostics.ActivitySource; GanCluster.Telemetry exports them with OpenTelemetry when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set). Starting a span with no listener costs a null check.
/// </summary>
public static class GanActivities
{
    public const string SourceName = "GanCluster";

    public const string Step = "step";
    public const string AllReduce = "allreduce";
    public const string Checkpoint = "checkpoint";
    public const string StateTransfer = "state_transfer";
    public const string Recovery = "recovery";

    public static readonly ActivitySource Source = new(SourceName, "1.0");
}
