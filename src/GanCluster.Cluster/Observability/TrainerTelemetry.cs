using GanCluster.Core.Quality;
using GanCluster.Core.Runs;
using GanCluster.Telemetry;
using GanCluster.Training;

namespace GanCluster.Cluster.Observability;

/// <summary>Feeds a trainer's step reports and (on rank 0) its collapse evaluations to its metrics.</summary>
public static class TrainerTelemetry
{
    public static void Attach(GanTrainer trainer, TrainerMetrics metrics)
    {
        trainer.StepCompleted += r => metrics.RecordStep(Sample(r));
        trainer.MetricsRowWritten += row => { if (Collapse(row) is { } c) metrics.RecordCollapse(c); };
    }

    public static StepSample Sample(StepReport r) => new(
        r.Stats.Step, r.Stats.LossD, r.Stats.LossG, r.Stats.DReal, r.Stats.DFake, r.Stats.RealSign, r.Stats.GradNormD, r.Stats.GradNormG,
        r.LrG, r.LrD, r.Plan?.Resolution ?? 0, r.Plan?.Alpha ?? 1, r.Plan?.PhaseIndex ?? 0, r.ImagesPerSecond,
        r.ImagesThisStep, r.SkippedNonFinite, r.Stats.DSkippedByPolicy, r.StepSeconds, r.DataWaitSeconds, r.Stats.AugmentP);

    /// <summary>The collapse figures of a metrics row, when an evaluation finished at its step.</summary>
    public static CollapseSample? Collapse(MetricsRow row) => row.Collapse is not { } c ? null : new CollapseSample(
        c.CollapseStep, c.Reading.Diversity, c.Reading.DuplicateRate, c.Reading.ClassesCovered, c.Reading.KlUniform,
        c.Reading.CollapseScore, c.Reading.CollapseSuspected, Quality(c.Quality));

    /// <summary>The quality figures of a metrics row (fid, kid, precision, recall, features), when it carries them.</summary>
    static QualitySample? Quality(QualityReading? q) => q == null ? null : new QualitySample(q.Features, q.Fid, q.Kid, q.Precision, q.Recall);
}
