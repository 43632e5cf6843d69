using GanCluster.Core.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training;

/// <summary>How one trainer runs: the spec plus what the command line or the cluster decides.</summary>
public sealed class TrainerOptions
{
    public required RunSpec Spec { get; init; }

    public required string RunDir { get; init; }

    /// <summary>Single process: continue from the newest valid checkpoint in RunDir.</summary>
    public bool Resume { get; init; }

    /// <summary>Cluster: continue from this checkpoint folder (the coordinator chose it).</summary>
    public string? ResumeCheckpoint { get; init; }

    /// <summary>Resume even when training-defining spec fields changed.</summary>
    public bool Force { get; init; }

    /// <summary>cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Single process (the default) or one rank of a cluster run: what this trainer owns.</summary>
    public RunMode Mode { get; init; } = new RunMode.SingleProcess();

    /// <summary>Sample grid size.</summary>
    public int SampleCount { get; init; } = 64;

    /// <summary>Builds the generator and discriminator instead of <see cref="Models.GanModels.Create"/> (tests, experiments).</summary>
    public Func<RunSpec, Device, (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D)>? Models { get; init; }

    /// <summary>Human-readable notes (warnings, resume decisions) for the console.</summary>
    public Action<string>? Log { get; init; }
}
