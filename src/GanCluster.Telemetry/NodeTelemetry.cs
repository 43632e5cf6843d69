using System.Diagnostics.Metrics;
using System.Text;
using GanCluster.Collective;
using Prometheus;

namespace GanCluster.Telemetry;

/// <summary>
/// One process's telemetry: a Meter with the training and coordinator instruments, a prometheus-net registry whose
/// static labels say which run, node and role this is, the data plane's process-wide instruments, the process and
/// runtime series (process_* from prometheus-net, dotnet_* from the runtime's own System.Runtime meter), the
/// /metrics endpoint (when a port is given) and OpenTelemetry tracing (when the OTEL_* environment asks for it).
/// </summary>
public sealed class NodeTelemetry : IDisposable
{
    readonly MeterBridge _bridge;
    readonly MetricServer? _server;
    readonly IDisposable? _tracing;
    readonly Lock _lock = new();
    TrainerInstruments? _trainers;
    CoordinatorMetrics? _coordinator;

    NodeTelemetry(TelemetryOptions options)
    {
        Options = options;
        Meter = new Meter("GanCluster.Node", "1.0");
        Registry = Metrics.NewCustomRegistry();
        Registry.SetStaticLabels(new Dictionary<string, string> { ["run"] = options.Run, ["node"] = options.Node, ["role"] = options.Role });
        _bridge = new MeterBridge(Registry, i => i.Meter == Meter
            || i.Meter.Name is CollectiveMetrics.MeterName or RuntimeMeterName or ControlPlaneMetrics.MeterName);
        // CPU seconds, memory, threads, open handles, start time: what a cluster's dashboards expect of every process.
        DotNetStats.Register(Registry);
        Meter.CreateObservableGauge(MetricNames.Up, () => 1, null, "1 while this node runs");
        if (options.MetricsPort > 0)
        {
            _server = new MetricServer(options.MetricsHost, options.MetricsPort, "metrics/", Registry);
            _server.Start();
        }
        _tracing = Tracing.StartFromEnvironment($"gancluster-{options.Role}", options);
    }

    /// <summary>The meter the .NET runtime publishes its GC, thread pool, JIT, lock and exception instruments on.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    public TelemetryOptions Options { get; }

    public Meter Meter { get; }

    public CollectorRegistry Registry { get; }

    /// <summary>Starts the node's telemetry. A port that cannot be bound is an <see cref="HttpListenerException"/>-style failure of the caller's input.</summary>
    public static NodeTelemetry Start(TelemetryOptions options) => new(options);

    /// <summary>Metrics of one more trainer (rank) on this node.</summary>
    public TrainerMetrics AddTrainer()
    {
        lock (_lock)
        {
            _trainers ??= new TrainerInstruments(Meter);
            return _trainers.Add();
        }
    }

    /// <summary>The coordinator's metrics (one per node).</summary>
    public CoordinatorMetrics Coordinator(int workersWanted, int workersMinimum)
    {
        lock (_lock) return _coordinator ??= new CoordinatorMetrics(Meter, workersWanted, workersMinimum);
    }

    /// <summary>The exposition text, as a scrape would get it.</summary>
    public string Scrape()
    {
        using var stream = new MemoryStream();
        Registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose()
    {
        _server?.Stop();
        _server?.Dispose();
        _bridge.Dispose();
        Meter.Dispose();
        _tracing?.Dispose();
    }
}
