using System.CommandLine;
using GanCluster.Core.Spec;
using GanCluster.Telemetry;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>--metrics-port: where a node serves Prometheus /metrics (0: off). Tracing follows the OTEL_* environment.</summary>
public sealed class MetricsOptions
{
    readonly Option<int> _port = new("--metrics-port")
    {
        Description = "serve Prometheus metrics on http://HOST:PORT/metrics (0: off); traces go to $OTEL_EXPORTER_OTLP_ENDPOINT when set",
        DefaultValueFactory = _ => 0,
    };

    readonly Option<string> _host = new("--metrics-host")
    {
        Description = "address the metrics endpoint binds to: + for every interface, or e.g. 127.0.0.1 (`local` binds it to loopback)",
        DefaultValueFactory = _ => "+",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_port);
        command.Options.Add(_host);
    }

    /// <summary>Starts this node's telemetry; a port that cannot be served is a warning, never the end of training.</summary>
    public NodeTelemetry Start(ParseResult parse, string runDir, string role)
    {
        int port = parse.GetValue(_port);
        if (port is < 0 or > 65535) throw new SpecException("--metrics-port", "a TCP port from 0 to 65535 (0: no metrics endpoint)", port.ToString(), "input");
        string host = parse.GetValue(_host) is { Length: > 0 } h ? h : "+";
        var options = new TelemetryOptions { Run = TelemetryOptions.RunName(runDir), Role = role, MetricsPort = port, MetricsHost = host };
        try
        {
            return NodeTelemetry.Start(options);
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or System.Net.Sockets.SocketException)
        {
            NodeLog.Warning($"warning: cannot serve metrics on port {port} ({e.Message}); training goes on without a /metrics endpoint");
            return NodeTelemetry.Start(options with { MetricsPort = 0 });
        }
    }
}
