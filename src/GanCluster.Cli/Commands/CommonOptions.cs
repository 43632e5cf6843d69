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

    /// <summary>--device: one device (cpu, cuda, cuda:N), or, where a command runs one rank per device, a list.</summary>
    public static Option<string> Device(bool list = false) => new("--device")
    {
        Description = list
            ? "one trainer (rank) per device: cpu, cuda:0, or a comma-separated list such as cuda:0,cuda:1 or cpu,cpu"
            : "cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The devices of --device: each checked (a bad one is an input error before anything starts).</summary>
    /// <param name="parseWithTorch">false for a simulated trainer: its devices are labels, and parsing one would load libtorch.</param>
    public static IReadOnlyList<string> Devices(ParseResult parse, Option<string> option, bool list, bool parseWithTorch = true)
    {
        string text = parse.GetValue(option) ?? "cpu";
        var devices = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (devices.Length == 0) throw new SpecException("--device", "a device such as cpu or cuda:0", $"'{text}'", "input");
        if (!list && devices.Length > 1)
            throw new SpecException("--device", "one device (this command runs one rank; `local` or `trainer` run one per device)", $"'{text}'", "input");
        if (parseWithTorch) foreach (var d in devices) Training.Devices.Parse(d);
        return devices;
    }

    /// <summary>--tensorboard DIR: TensorBoard event files (scalars of every metrics row, sample grids) in DIR.</summary>
    public static Option<string?> TensorBoard() => new("--tensorboard")
    {
        Description = "write TensorBoard event files (metrics as scalars, sample grids as images) to DIR (spec key `tensorboard: true` writes them to RUN_DIR/tensorboard)",
        HelpName = "DIR",
    };

    /// <summary>Where TensorBoard event files go: --tensorboard DIR, else RUN_DIR/tensorboard when the spec says tensorboard: true, else nowhere.</summary>
    public static string? TensorBoardDir(ParseResult parse, Option<string?> option, RunSpec spec, string runDir) =>
        parse.GetValue(option) is { Length: > 0 } dir ? Path.GetFullPath(dir)
        : spec.Tensorboard ? Path.Combine(Path.GetFullPath(runDir), "tensorboard")
        : null;

    public static RunSpec LoadSpec(string? config, string[]? sets) => RunSpecLoader.LoadFile(config, sets ?? []);

    public static string DefaultRunDir(string? config)
    {
        string name = config == null ? "run" : Path.GetFileNameWithoutExtension(config);
        return Path.Combine("runs", $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}");
    }
}
