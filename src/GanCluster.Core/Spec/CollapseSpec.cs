using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;

namespace GanCluster.Core.Spec;

/// <summary>
/// The online mode-collapse monitor (docs/collapse.md): every N steps, rank 0 scores a fixed latent batch against
/// a fixed sample of real images in the background; the results go to metrics.jsonl, flag changes to events.jsonl.
/// </summary>
public sealed class CollapseSpec : ISpecSection
{
    public const string AutoClassifier = "auto";
    public const string NoClassifier = "none";

    [SpecDoc("measure collapse while training")]
    public bool Enabled { get; set; } = true;

    [SpecDoc("evaluate every N steps (on rank 0, in the background)")]
    public int Every { get; set; } = 500;

    [SpecDoc("generated images per evaluation (a fixed latent batch)")]
    public int SampleSize { get; set; } = 512;

    [SpecDoc("real images in the fixed reference sample")]
    public int RealSampleSize { get; set; } = 1000;

    [SpecDoc("auto (the shipped MNIST classifier for data.format embedded) | none | path to classifier weights")]
    public string Classifier { get; set; } = AutoClassifier;

    [SpecDoc("feature network for FID/KID/precision/recall: auto (mnist for data.format embedded, else resnet18) | resnet18 | mnist | inception:PATH | none")]
    public string Features { get; set; } = FeatureSetting.Auto;

    [SpecDoc("a generated pair closer than this percentile of real-real distances is a near-duplicate")]
    public double DuplicatePercentile { get; set; } = 1.0;

    [SpecDoc("class probability for an image to count as confidently in a class")]
    public double Confidence { get; set; } = 0.9;

    [SpecDoc("a class is covered when at least this fraction of images is confidently in it")]
    public double CoverageFraction { get; set; } = 0.01;

    [SpecDoc("evaluations before this step are logged but never raise the flag")]
    public long WarmupSteps { get; set; } = 500;

    [SpecDoc("collapse_score at or above which an evaluation counts towards raising the flag")]
    public double RaiseThreshold { get; set; } = 0.3;

    [SpecDoc("collapse_score at or below which an evaluation counts towards clearing the flag")]
    public double ClearThreshold { get; set; } = 0.2;

    [SpecDoc("consecutive high evaluations that raise collapse_suspected")]
    public int RaiseAfter { get; set; } = 2;

    [SpecDoc("consecutive low evaluations that clear collapse_suspected")]
    public int ClearAfter { get; set; } = 2;

    [SpecDoc("the automatic response: roll back with scaled learning rates, then stop (exit code 4)")]
    public CollapseResponseSpec Response { get; set; } = new();

    public CollapseMeasureOptions MeasureOptions() => new(DuplicatePercentile, Confidence, CoverageFraction);

    public CollapseHysteresisOptions HysteresisOptions() => new(RaiseThreshold, ClearThreshold, RaiseAfter, ClearAfter, WarmupSteps);

    public void Validate(SpecProblems problems, string path)
    {
        problems.Positive($"{path}.every", Every);
        problems.InRange($"{path}.sample_size", SampleSize, 16, 8192);
        problems.InRange($"{path}.real_sample_size", RealSampleSize, 16, 10000);
        if (string.IsNullOrWhiteSpace(Classifier))
            problems.Add($"{path}.classifier", "auto, none or a path to classifier weights", "''");
        if (!FeatureSetting.IsValid(Features)) problems.Add($"{path}.features", FeatureSetting.Expected, $"'{Features}'");
        if (DuplicatePercentile is <= 0 or > 50)
            problems.Add($"{path}.duplicate_percentile", "a percentile in (0, 50]", SpecProblems.Show(DuplicatePercentile));
        problems.InRange($"{path}.confidence", Confidence, 0.0, 1.0);
        problems.InRange($"{path}.coverage_fraction", CoverageFraction, 0.0, 1.0);
        problems.AtLeast($"{path}.warmup_steps", WarmupSteps, 0);
        problems.InRange($"{path}.raise_threshold", RaiseThreshold, 0.0, 1.0);
        problems.InRange($"{path}.clear_threshold", ClearThreshold, 0.0, 1.0);
        if (ClearThreshold >= RaiseThreshold)
            problems.Add($"{path}.clear_threshold", $"a number below raise_threshold ({SpecProblems.Show(RaiseThreshold)}) so the flag cannot flap",
                SpecProblems.Show(ClearThreshold));
        problems.Positive($"{path}.raise_after", RaiseAfter);
        problems.Positive($"{path}.clear_after", ClearAfter);
        if (Response.Enabled && !Enabled)
            problems.Add($"{path}.response.enabled", "false while the monitor is off (collapse.enabled: false)", "true");
    }

    /// <summary>Run-spec-level checks that need other sections (called from <see cref="RunSpec.Validate"/>).</summary>
    public void ValidateWith(RunSpec spec, SpecProblems problems, string path)
    {
        if (Response.Enabled && spec.Checkpoint.Every == 0)
            problems.Add($"{path}.response.enabled", "false, or checkpoint.every > 0 (a rollback needs checkpoints to roll back to)", "true");
    }
}
