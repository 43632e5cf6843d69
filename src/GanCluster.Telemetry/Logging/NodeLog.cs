using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Templates;

namespace GanCluster.Telemetry.Logging;

/// <summary>
/// The one owner of how a log line is printed, for every command and for Akka's own log (ClusterNodeHost routes it
/// here through Akka.Logger.Serilog, which writes to <see cref="Serilog.Log.Logger"/>). Text (the default) prints
/// "yyyy-MM-dd HH:mm:ss.fff LVL [rank N] message"; JSON prints one object per line with timestamp (UTC, ISO 8601),
/// level, node, rank (trainers), message, and source/exception when there is one, for a cluster's log collector.
/// Information goes to stdout, warnings and errors to stderr. A command's product (a report path, `evaluate`'s JSON,
/// `spec show`) is not a log line and is written to stdout directly.
/// </summary>
public static class NodeLog
{
    /// <summary>The environment variable read when `--log-format` is not given (the Helm chart sets json).</summary>
    public const string FormatVariable = "GANCLUSTER_LOG_FORMAT";

    internal const string LevelProperty = "level";
    const string NodeProperty = "node";
    const string RankProperty = "rank";
    const string PlainProperty = "plain"; // a line the user acts on (bad input): printed as it is in text
    const string SourceProperty = "LogSource"; // as Akka.Logger.Serilog names it

    // The message is always a property rendered literally, never a template: lines carry braces (JSON, YAML).
    const string Literal = "{Text:l}";

    static ILogger _logger = Build(LogFormat.Text, TelemetryOptions.DefaultNode());

    /// <summary>The format in force (text until <see cref="Configure"/>).</summary>
    public static LogFormat Format { get; private set; } = LogFormat.Text;

    /// <summary>The environment a child `gancluster` process needs to print its lines in this process's format.</summary>
    public static Dictionary<string, string> ChildEnvironment() => new() { [FormatVariable] = Format == LogFormat.Json ? "json" : "text" };

    /// <summary>Reads a format name (text | json, any case); null or empty means "not given".</summary>
    public static bool TryParse(string? text, out LogFormat format)
    {
        format = LogFormat.Text;
        if (string.IsNullOrWhiteSpace(text)) return true;
        switch (text.Trim().ToLowerInvariant())
        {
            case "text": return true;
            case "json": format = LogFormat.Json; return true;
            default: return false;
        }
    }

    /// <summary>Sets the process's format and node name (labels every line) and makes it Serilog's global logger.</summary>
    public static void Configure(LogFormat format, string node)
    {
        var previous = _logger;
        Format = format;
        _logger = Build(format, node);
        Log.Logger = _logger;
        (previous as IDisposable)?.Dispose();
    }

    /// <summary>The formatter of <paramref name="format"/> (also what tests read lines with).</summary>
    public static ITextFormatter Formatter(LogFormat format) => format == LogFormat.Json
        ? new ExpressionTemplate(
            "{ {timestamp: UtcDateTime(@t), level: level, node: node, rank: rank, message: @m, " +
            "source: Coalesce(LogSource, SourceContext), exception: if IsDefined(@x) then ToString(@x) else undefined()} }\n")
        : new ExpressionTemplate(
            "{#if plain}{@m}{#else}{@t:yyyy-MM-dd HH:mm:ss.fff} {@l:u3} {#if IsDefined(rank)}[rank {rank}] {#end}{@m}{#end}\n" +
            "{#if IsDefined(@x)}{@x}\n{#end}");

    static Logger Build(LogFormat format, string node) => new LoggerConfiguration()
        .MinimumLevel.Debug()
        .Enrich.With(new LevelNameEnricher())
        .Enrich.WithProperty(NodeProperty, node)
        .WriteTo.Console(Formatter(format), standardErrorFromLevel: LogEventLevel.Warning)
        .CreateLogger();

    /// <summary>A line from a component's log callback: "warning: ..." lines are warnings, the rest information.</summary>
    public static void Line(string line, string? rank = null)
    {
        if (line.StartsWith("warning: ", StringComparison.Ordinal)) Warning(line, rank);
        else Info(line, rank);
    }

    public static void Info(string message, string? rank = null) => WithRank(rank).Information(Literal, message);

    public static void Warning(string message, string? rank = null) => WithRank(rank).Warning(Literal, message);

    public static void Error(string message, Exception? exception = null) => _logger.Error(exception, Literal, message);

    /// <summary>A record from a logging adapter (Akka's start-up/shutdown logger) with its level and source.</summary>
    public static void Write(LogEventLevel level, string message, string source, Exception? exception = null) =>
        _logger.ForContext(SourceProperty, source).Write(level, exception, Literal, message);

    /// <summary>A line the user must act on (bad input): as it is in text (no timestamp: it is the answer), an error record in JSON.</summary>
    public static void Problem(string line) => _logger.ForContext(PlainProperty, true).Error(Literal, line);

    /// <summary>Writes out what is buffered (call before the process exits).</summary>
    public static void Flush() => Log.CloseAndFlush();

    /// <summary>
    /// A line a child `gancluster` process printed (`local` runs one per node). Text: "[name] line". JSON: the child's
    /// own JSON line as it is (it carries its node); anything else it printed (a runtime crash before its log started)
    /// becomes a record labelled with the child's name.
    /// </summary>
    public static void Relay(string name, string line)
    {
        if (Format == LogFormat.Text) Console.Out.WriteLine($"[{name}] {line}");
        else if (line.StartsWith('{') && line.EndsWith('}')) Console.Out.WriteLine(line);
        else _logger.ForContext(NodeProperty, name).Warning(Literal, line);
    }

    /// <summary>A trainer's rank as a number on its lines ("" or null: outside a world, no rank).</summary>
    static ILogger WithRank(string? rank) =>
        int.TryParse(rank, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int r)
            ? _logger.ForContext(RankProperty, r)
            : _logger;
}
