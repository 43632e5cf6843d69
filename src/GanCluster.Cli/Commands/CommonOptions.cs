using System.CommandLine;
using GanCluster.Core.Spec;

namespace GanCluster.Cli.Commands;

/// <summary>Options shared by the commands that read a run spec.</summary>
public static class CommonOptions
{
    public static Option<string?> Config() => new("--config", "-c") { Description = "run spec (YAML); defaults apply to every key it leaves out" };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "override a spec key, e.g. --set model.ngf=16 --set steps=20 (repeatable)",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string?> Out() => new("--out", "-o") { Description = "run directory (default: runs/<config name>-<time>)" };

    public static Option<string> Device() => new("--device")
    {
        Description = "cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    public static RunSpec LoadSpec(string? config, string[]? sets) => RunSpecLoader.LoadFile(config, sets ?? []);

    public static string DefaultRunDir(string? config)
    {
        string name = config == null ? "run" : Path.GetFileNameWithoutExtension(config);
        return Path.Combine("runs", $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}");
    }
}
