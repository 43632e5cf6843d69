using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
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

    /// <summary>
    /// The first world's data plane. Null: a world of one in a single process; in a cluster (an event sink is
    /// given) the trainer stays outside any world until <see cref="GanTrainer.BindWorld"/> (binding a world of one
    /// there would make this trainer rank 0 of nothing and rewrite the run's logs).
    /// </summary>
    public ICollective? Collective { get; init; }

    /// <summary>
    /// Where rank 0 sends its events. Null: rank 0 writes RUN_DIR/events.jsonl itself and prepares the run
    /// directory (single process). In a cluster the coordinator prepares the folder and owns events.jsonl.
    /// </summary>
    public IEventSink? Events { get; init; }

    /// <summary>Sample grid size.</summary>
    public int SampleCount { get; init; } = 64;

    /// <summary>Builds the generator and discriminator instead of <see cref="Models.GanModels.Create"/> (tests, experiments).</summary>
    public Func<RunSpec, Device, (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D)>? Models { get; init; }

    /// <summary>Human-readable notes (warnings, resume decisions) for the console.</summary>
    public Action<string>? Log { get; init; }
}
