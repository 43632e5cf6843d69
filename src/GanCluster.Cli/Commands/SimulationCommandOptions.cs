using System.CommandLine;
using GanCluster.Cluster.Trainer;
using GanCluster.Core.Spec;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `trainer --simulate STEP_MS [--simulate-gradient-kib K]`: the real node, control plane and data plane around a fake
/// step, so that many trainers fit on one machine (docs/scaling.md).
/// </summary>
public sealed class SimulationCommandOptions
{
    readonly Option<int?> _stepMs = new("--simulate")
    {
        Description = "simulate the training step: sleep STEP_MS milliseconds, then all-reduce a small gradient buffer over the " +
                      "real data plane (no model, no libtorch; for control-plane and scaling benchmarks)",
        HelpName = "STEP_MS",
    };

    readonly Option<int> _gradientKib = new("--simulate-gradient-kib")
    {
        Description = "with --simulate: the gradient buffer all-reduced per step, in KiB of fp32",
        DefaultValueFactory = _ => SimulationOptions.DefaultGradientKib,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_stepMs);
        command.Options.Add(_gradientKib);
    }

    /// <summary>The simulation asked for, or null for the GAN.</summary>
    public SimulationOptions? Read(ParseResult parse)
    {
        if (parse.GetValue(_stepMs) is not int stepMs) return null;
        if (stepMs is < 0 or > 3_600_000) throw new SpecException("--simulate", "a step time in milliseconds from 0 to 3600000", stepMs.ToString(), "input");
        int kib = parse.GetValue(_gradientKib);
        if (kib is < 1 or > 1024 * 1024) throw new SpecException("--simulate-gradient-kib", "a gradient size in KiB from 1 to 1048576", kib.ToString(), "input");
        return new SimulationOptions(stepMs, kib * 256);
    }
}
