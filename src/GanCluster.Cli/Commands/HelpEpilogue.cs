using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using GanCluster.Core.Runs;

namespace GanCluster.Cli.Commands;

/// <summary>The end of every `--help` page: the exit codes (<see cref="ExitCodes.Table"/>), which supervisors and scripts read.</summary>
public sealed class HelpEpilogue(HelpAction help) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true; // `gancluster sample --help` shows help, not "--checkpoint is required"

    public static void AddTo(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().Single();
        if (option.Action is HelpAction help) option.Action = new HelpEpilogue(help);
    }

    public override int Invoke(ParseResult parseResult)
    {
        int code = help.Invoke(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(Text());
        return code;
    }

    public static string Text()
    {
        var lines = ExitCodes.Table.Select(e => $"  {e.Code,-5}{e.Meaning}");
        return "Exit codes:" + Environment.NewLine + string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
