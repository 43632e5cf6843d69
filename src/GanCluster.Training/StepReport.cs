using GanCluster.Training.Steps;

namespace GanCluster.Training;

/// <summary>What the console shows after each step.</summary>
public sealed record StepReport(StepStats Stats, long TotalSteps, double ImagesPerSecond, double LrD, double LrG,
    long SkippedNonFinite, TimeSpan Elapsed)
{
    public TimeSpan? Eta => ImagesPerSecond > 0 && Stats.Step > 0
        ? TimeSpan.FromSeconds(Elapsed.TotalSeconds / Math.Max(1, StepsThisSession) * (TotalSteps - Stats.Step))
        : null;

    /// <summary>Steps run by this process (not counting steps restored from a checkpoint).</summary>
    public long StepsThisSession { get; init; }

    /// <summary>What the step trained with (resolution, phase, alpha, batch size, learning rates, D switch).</summary>
    public GanCluster.Core.Planning.StepPlan? Plan { get; init; }

    /// <summary>A progressive run (the console shows resolution, phase and alpha).</summary>
    public bool Progressive { get; init; }

    /// <summary>Wall time of this step, from its plan to its metrics row (metrics: gancluster_step_duration_seconds).</summary>
    public double StepSeconds { get; init; }

    /// <summary>Seconds the step waited for its batch of real images (metrics: gancluster_data_wait_seconds).</summary>
    public double DataWaitSeconds { get; init; }

    /// <summary>Real images this step trained on, all ranks together.</summary>
    public long ImagesThisStep { get; init; }
}
