using System.Diagnostics.Metrics;

namespace GanCluster.Telemetry;

/// <summary>The training instruments of one node (shared by its trainers; observable gauges read each one's newest step).</summary>
internal sealed class TrainerInstruments
{
    readonly List<TrainerMetrics> _trainers = [];
    readonly Lock _lock = new();

    public Counter<long> Steps { get; }
    public Histogram<double> StepDuration { get; }
    public Histogram<double> DataWait { get; }
    public Counter<long> Images { get; }
    public Counter<long> NonFinite { get; }
    public Counter<long> DSkipped { get; }
    public Counter<long> CollapseEvaluations { get; }

    public TrainerInstruments(Meter meter)
    {
        Steps = meter.CreateCounter<long>(MetricNames.StepsTotal, null, "Training steps completed by this rank");
        StepDuration = meter.CreateHistogram<double>(MetricNames.StepDuration, "s", "Wall time of one training step (D and G updates, all-reduces, logging)");
        DataWait = meter.CreateHistogram<double>(MetricNames.DataWait, "s", "Time a training step waited for its batch of real images (a starved trainer: raise data.workers)");
        Images = meter.CreateCounter<long>(MetricNames.ImagesTotal, null, "Real images trained on, all ranks together, counted by each rank");
        NonFinite = meter.CreateCounter<long>(MetricNames.NonFiniteSkipped, null, "Updates skipped because a loss or gradient was NaN/Inf");
        DSkipped = meter.CreateCounter<long>(MetricNames.DSkippedByPolicy, null, "Steps whose D update a policy (skip-d) switched off");
        CollapseEvaluations = meter.CreateCounter<long>(MetricNames.CollapseEvaluations, null, "Mode-collapse evaluations finished");

        Gauge(meter, MetricNames.Step, "The newest completed step", (s, _) => s.Step);
        Gauge(meter, MetricNames.LastStepTimestamp, "Unix time of the newest completed step", (_, time) => time);
        Gauge(meter, MetricNames.LossD, "Discriminator loss of the newest step (mean over ranks)", (s, _) => s.LossD);
        Gauge(meter, MetricNames.LossG, "Generator loss of the newest step (mean over ranks)", (s, _) => s.LossG);
        Gauge(meter, MetricNames.DReal, "D(x): D's mean output on real images", (s, _) => s.DReal);
        Gauge(meter, MetricNames.DFake, "D(G(z)): D's mean output on generated images", (s, _) => s.DFake);
        Gauge(meter, MetricNames.RealSign, "r_t = E[sign(D(real))] (StyleGAN2-ADA's overfitting signal)", (s, _) => s.RealSign);
        Gauge(meter, MetricNames.AugmentP, "Probability D's inputs are augmented with (ADA's p; 1 for diffaugment; 0 without augmentation)", (s, _) => s.AugmentP ?? 0);
        Gauge(meter, MetricNames.GradNormD, "L2 norm of D's gradient", (s, _) => s.GradNormD);
        Gauge(meter, MetricNames.GradNormG, "L2 norm of G's gradient", (s, _) => s.GradNormG);
        Gauge(meter, MetricNames.LrG, "Generator learning rate", (s, _) => s.LrG);
        Gauge(meter, MetricNames.LrD, "Discriminator learning rate", (s, _) => s.LrD);
        Gauge(meter, MetricNames.Resolution, "Image resolution trained at (pixels per side)", (s, _) => s.Resolution);
        Gauge(meter, MetricNames.Alpha, "Fade-in alpha of the newest layer (1 when stable)", (s, _) => s.Alpha);
        Gauge(meter, MetricNames.PhaseIndex, "Index of the progressive schedule's phase", (s, _) => s.PhaseIndex);
        Gauge(meter, MetricNames.ImagesPerSecond, "Images per second, all ranks together (moving average)", (s, _) => s.ImagesPerSecond);

        // The coordinator's gauges of the same names carry role="coordinator" and no rank (a process is one or the other).
        WorldGauge(meter, MetricNames.WorldSize, "Ranks in the world this trainer joined last", w => w.Size);
        WorldGauge(meter, MetricNames.WorldEpoch, "Epoch of the world this trainer joined last", w => w.Epoch);

        CollapseGauge(meter, MetricNames.CollapseDiversity, "Generated-set diversity relative to the real data (1: as diverse)", c => c.Diversity);
        CollapseGauge(meter, MetricNames.CollapseDuplicateRate, "Fraction of generated pairs closer than real duplicates", c => c.DuplicateRate);
        CollapseGauge(meter, MetricNames.CollapseClassesCovered, "Classes the classifier finds in the generated set", c => c.ClassesCovered);
        CollapseGauge(meter, MetricNames.CollapseKlUniform, "KL divergence of the generated class histogram from uniform", c => c.KlUniform);
        CollapseGauge(meter, MetricNames.CollapseScore, "Combined mode-collapse score (0 healthy .. 1 collapsed)", c => c.Score);
        CollapseGauge(meter, MetricNames.CollapseSuspected, "1 while the collapse monitor's flag is raised", c => c.Suspected ? 1 : 0);

        QualityGauge(meter, MetricNames.Fid, "Fréchet distance of generated to real features (FID; comparable with papers only for features=\"inception-v3\")", q => q.Fid);
        QualityGauge(meter, MetricNames.Kid, "Kernel distance (KID, unbiased MMD², cubic kernel) of generated to real features", q => q.Kid);
        QualityGauge(meter, MetricNames.Precision, "Fraction of generated images inside the real k-NN manifold (falls when samples are poor)", q => q.Precision);
        QualityGauge(meter, MetricNames.Recall, "Fraction of real images inside the generated k-NN manifold (falls when modes are lost)", q => q.Recall);
    }

    public TrainerMetrics Add()
    {
        var t = new TrainerMetrics(this);
        lock (_lock) _trainers.Add(t);
        return t;
    }

    List<TrainerMetrics> Trainers()
    {
        lock (_lock) return [.. _trainers];
    }

    void Gauge(Meter meter, string name, string help, Func<StepSample, double, double> value) =>
        meter.CreateObservableGauge(name, () =>
        {
            var list = new List<Measurement<double>>();
            foreach (var t in Trainers())
            {
                var (step, time, _, rank) = t.Snapshot();
                if (step == null) continue;
                double x = value(step, time);
                if (double.IsFinite(x)) list.Add(new Measurement<double>(x, new KeyValuePair<string, object?>("rank", rank)));
            }
            return list;
        }, null, help);

    void WorldGauge(Meter meter, string name, string help, Func<(int Size, long Epoch, string Rank), long> value) =>
        meter.CreateObservableGauge(name, () =>
        {
            var list = new List<Measurement<long>>();
            foreach (var t in Trainers())
            {
                var world = t.World();
                if (world.Size > 0) list.Add(new Measurement<long>(value(world), new KeyValuePair<string, object?>("rank", world.Rank)));
            }
            return list;
        }, null, help);

    void QualityGauge(Meter meter, string name, string help, Func<QualitySample, double> value) =>
        meter.CreateObservableGauge(name, () =>
        {
            var list = new List<Measurement<double>>();
            foreach (var t in Trainers())
            {
                var (_, _, collapse, rank) = t.Snapshot();
                if (collapse?.Quality is { } q && double.IsFinite(value(q)))
                    list.Add(new Measurement<double>(value(q), new KeyValuePair<string, object?>("rank", rank),
                        new KeyValuePair<string, object?>("features", q.Features)));
            }
            return list;
        }, null, help);

    void CollapseGauge(Meter meter, string name, string help, Func<CollapseSample, double?> value) =>
        meter.CreateObservableGauge(name, () =>
        {
            var list = new List<Measurement<double>>();
            foreach (var t in Trainers())
            {
                var (_, _, collapse, rank) = t.Snapshot();
                if (collapse != null && value(collapse) is { } x && double.IsFinite(x))
                    list.Add(new Measurement<double>(x, new KeyValuePair<string, object?>("rank", rank)));
            }
            return list;
        }, null, help);
}
