using System.CommandLine;
using GanCluster.Cli.Commands;
using GanCluster.Core.Data;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Telemetry;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli;

/// <summary>
/// The `gancluster` command line. Exit codes are <see cref="ExitCodes"/> (printed at the end of every `--help`):
/// 0 done, 1 runtime failure (with context), 2 bad input (one line per problem: field, expected, found; never a
/// stack trace), 3 rejoin requested, 4 stopped by the collapse response, 130 SIGINT, 143 SIGTERM.
/// </summary>
public static class CliApp
{
    public const int Ok = ExitCodes.Ok;
    public const int RuntimeFailure = ExitCodes.Failure;
    public const int BadInput = ExitCodes.BadInput;

    /// <summary>`--log-format` on every command (also read from $GANCLUSTER_LOG_FORMAT).</summary>
    public static readonly Option<string?> LogFormatOption = new("--log-format")
    {
        Description = $"text (timestamped lines; the default) or json (one JSON object per line: timestamp, level, node, rank, message); default ${NodeLog.FormatVariable}",
        Recursive = true,
    };

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("GanCluster: distributed GAN training (DCGAN, progressive GAN) with TorchSharp and Akka.NET");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(CoordinatorCommand.Create());
        root.Subcommands.Add(TrainerCommand.Create());
        root.Subcommands.Add(LocalCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        root.Subcommands.Add(StyleCommand.Create());
        root.Subcommands.Add(ClassifierCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(K8sCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(SpecCommand.Create());
        root.Options.Add(LogFormatOption);
        HelpEpilogue.AddTo(root);
        return root;
    }

    public static int Run(string[] args)
    {
        try
        {
            return RunCommand(args);
        }
        finally
        {
            NodeLog.Flush();
        }
    }

    static int RunCommand(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (!ConfigureLog(parse)) return BadInput;
        if (parse.Errors.Count > 0)
        {
            // An option renamed for one name per concept is one line that names the new spelling.
            if (RenamedOptions.Explain(parse) is { } renamed)
            {
                NodeLog.Problem(renamed);
                return BadInput;
            }
            foreach (var error in parse.Errors) NodeLog.Problem($"gancluster: {error.Message}");
            NodeLog.Problem("Run 'gancluster --help' for usage.");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (Unwrap(e) is SpecException spec)
        {
            foreach (var problem in spec.Problems) NodeLog.Problem($"{spec.Source}: {problem}");
            return BadInput;
        }
        catch (Exception e) when (Unwrap(e) is DataException data)
        {
            NodeLog.Problem($"data: {data.Message}");
            return BadInput;
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            bool debug = Environment.GetEnvironmentVariable("GANCLUSTER_DEBUG") == "1";
            NodeLog.Error($"error: {inner.GetType().Name}: {inner.Message}" + (debug ? "" : " (set GANCLUSTER_DEBUG=1 for the stack trace)"),
                debug ? inner : null);
            return RuntimeFailure;
        }
    }

    /// <summary>`--log-format`, else $GANCLUSTER_LOG_FORMAT, else text; the node name labels every line.</summary>
    static bool ConfigureLog(ParseResult parse)
    {
        string? given = parse.GetValue(LogFormatOption);
        string source = given != null ? "--log-format" : NodeLog.FormatVariable;
        string? text = given ?? Environment.GetEnvironmentVariable(NodeLog.FormatVariable);
        if (!NodeLog.TryParse(text, out var format))
        {
            NodeLog.Problem($"input: {new SpecProblem(source, "text or json", $"'{text}'")}");
            return false;
        }
        NodeLog.Configure(format, TelemetryOptions.DefaultNode());
        return true;
    }

    static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException != null)
            e = e.InnerException!;
        return e;
    }
}
