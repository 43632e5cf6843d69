using Serilog.Core;
using Serilog.Events;

namespace GanCluster.Telemetry.Logging;

/// <summary>Adds `level` as log collectors spell it (debug, info, warning, error, fatal) for the JSON lines.</summary>
sealed class LevelNameEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(NodeLog.LevelProperty, logEvent.Level switch
        {
            LogEventLevel.Verbose => "trace",
            LogEventLevel.Debug => "debug",
            LogEventLevel.Information => "info",
            LogEventLevel.Warning => "warning",
            LogEventLevel.Error => "error",
            _ => "fatal",
        }));
}
