using System.Text.Json.Nodes;
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
        r.ImagesThisStep, r.SkippedNonFinite, r.Stats.DSkippedByPolicy, r.StepSeconds);

    /// <summary>The collapse figures of a metrics row, when an evaluation finished at its step.</summary>
    public static CollapseSample? Collapse(JsonObject row)
    {
        if (Number(row, "collapse_score") is not { } score) return null;
        return new CollapseSample((long)(Number(row, "collapse_step") ?? Number(row, "step") ?? 0), Number(row, "diversity") ?? double.NaN,
            Number(row, "duplicate_rate") ?? double.NaN, Number(row, "classes_covered"), Number(row, "kl_uniform"), score,
            row["collapse_suspected"] is JsonValue v && v.TryGetValue(out bool b) && b, Quality(row));
    }

    /// <summary>The quality figures of a metrics row (fid, kid, precision, recall, features), when it carries them.</summary>
    public static QualitySample? Quality(JsonObject row)
    {
        if (Number(row, "fid") is not { } fid || row["features"] is not JsonValue f || !f.TryGetValue(out string? features)) return null;
        return new QualitySample(features, fid, Number(row, "kid") ?? double.NaN, Number(row, "precision") ?? double.NaN, Number(row, "recall") ?? double.NaN);
    }

    static double? Number(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : null;
}
