using System.CommandLine;

namespace GanCluster.Cli.Commands;

/// <summary>
/// Spellings that were renamed so that one concept has one name across commands (--device takes one device or a
/// list; counts of images are --count). The old spelling is refused with one line that names the new one.
/// </summary>
public static class RenamedOptions
{
    static readonly Dictionary<string, string> NewNames = new(StringComparer.Ordinal)
    {
        ["--devices"] = "--device",
        ["--n"] = "--count",
        ["--reference-n"] = "--reference-count",
    };

    /// <summary>"gancluster sample: unknown option '--n' (did you mean '--count'?)" when the command was given an old spelling; else null.</summary>
    public static string? Explain(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        foreach (var token in parse.UnmatchedTokens)
        {
            string name = token.Split('=', 2)[0];
            if (NewNames.TryGetValue(name, out var renamed) && command.Options.Any(o => o.Name == renamed))
                return $"gancluster {command.Name}: unknown option '{name}' (did you mean '{renamed}'?)";
        }
        return null;
    }
}
