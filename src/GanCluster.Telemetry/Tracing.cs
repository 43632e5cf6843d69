using GanCluster.Core.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GanCluster.Telemetry;

/// <summary>
/// OpenTelemetry tracing of the <see cref="GanActivities"/> spans (step, allreduce, checkpoint, state_transfer,
/// recovery). Off unless the standard environment asks for it: OTEL_EXPORTER_OTLP_ENDPOINT (or
/// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, and OTEL_TRACES_EXPORTER not "none". The OTLP exporter reads the rest
/// of OTEL_* itself (protocol, headers, timeout); OTEL_SERVICE_NAME overrides the service name.
/// </summary>
public static class Tracing
{
    public static bool Enabled(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (string.Equals(env("OTEL_TRACES_EXPORTER"), "none", StringComparison.OrdinalIgnoreCase)) return false;
        if (string.Equals(env("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase)) return false;
        return !string.IsNullOrEmpty(env("OTEL_EXPORTER_OTLP_ENDPOINT")) || !string.IsNullOrEmpty(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
    }

    /// <summary>A tracer provider exporting over OTLP when <see cref="Enabled"/>, else null.</summary>
    public static TracerProvider? StartFromEnvironment(string serviceName, TelemetryOptions node) =>
        Enabled() ? Builder(serviceName, node).AddOtlpExporter().Build() : null;

    /// <summary>The provider's common setup (tests add an in-memory exporter).</summary>
    public static TracerProviderBuilder Builder(string serviceName, TelemetryOptions node) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(GanActivities.SourceName)
            .SetResourceBuilder(ResourceBuilder.CreateDefault()
                .AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } s ? s : serviceName,
                    serviceInstanceId: node.Node)
                .AddAttributes([new("gancluster.run", node.Run), new("gancluster.role", node.Role)]));
}
