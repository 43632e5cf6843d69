using Akka.Event;
using GanCluster.Telemetry.Logging;
using LogEventLevel = Serilog.Events.LogEventLevel;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Akka's "very basic" logger, which it uses before its configured loggers start and after they stop
/// (`akka.stdout-logger-class`): it writes into <see cref="NodeLog"/> too, so a JSON log has no line in Akka's own
/// format at start-up or shutdown.
/// </summary>
public sealed class NodeLogMinimalLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not LogEvent e) return;
        var level = e.LogLevel() switch
        {
            LogLevel.ErrorLevel => LogEventLevel.Error,
            LogLevel.WarningLevel => LogEventLevel.Warning,
            LogLevel.InfoLevel => LogEventLevel.Information,
            _ => LogEventLevel.Debug,
        };
        NodeLog.Write(level, e.Message?.ToString() ?? "", e.LogSource, e.Cause);
    }
}
