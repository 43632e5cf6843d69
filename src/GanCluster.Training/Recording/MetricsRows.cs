using GanCluster.Core.Planning;
using GanCluster.Core.Runs;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Steps;

namespace GanCluster.Training.Recording;

/// <summary>A finished step as its metrics.jsonl row.</summary>
public static class MetricsRows
{
    /// <param name="state">the run state after the step</param>
    /// <param name="perRankBatch">images each rank trained on in this step (all micro-batches together)</param>
    /// <param name="dataWaitSeconds">how long the step waited for its batch (the prefetch workers were behind)</param>
    /// <param name="replicaHashOk">the replica check's result, at steps that had one</param>
    public static MetricsRow Of(StepStats stats, StepPlan plan, TrainState state, int perRankBatch, int worldSize,
        double imagesPerSecond, double dataWaitSeconds, bool? replicaHashOk) => new()
    {
        Step = stats.Step,
        Epoch = state.Data.Epoch,
        LossD = stats.LossD,
        LossG = stats.LossG,
        DReal = stats.DReal,
        DFake = stats.DFake,
        RealSign = stats.RealSign,
        GradNormD = stats.GradNormD,
        GradNormG = stats.GradNormG,
        LrD = plan.LrD,
        LrG = plan.LrG,
        DSkipped = plan.UpdateD ? 0 : 1,
        Resolution = plan.Resolution,
        Phase = plan.PhaseName,
        Alpha = plan.Alpha,
        BatchSize = perRankBatch,
        Images = state.ImagesSeen,
        ImagesPerS = Math.Round(imagesPerSecond, 2),
        DataWaitSeconds = Math.Round(dataWaitSeconds, 4),
        SkippedNonfinite = state.SkippedNonFinite,
        WorldSize = worldSize,
        Time = Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, 3),
        ReplicaHashOk = replicaHashOk,
        AugmentP = stats.AugmentP,
    };
}
