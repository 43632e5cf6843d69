namespace GanCluster.Core.Spec;

/// <summary>
/// Everything that defines a run. Loaded from YAML by <see cref="RunSpecLoader"/>; the resolved spec (all
/// defaults filled in) is written to RUN_DIR/run.yaml. Keys are snake_case; unknown keys are errors.
/// </summary>
public sealed class RunSpec : ISpecSection
{
    [SpecDoc("seed for weights, data order and latents")]
    public long Seed { get; set; } = 1;

    [SpecDoc("optimizer steps to train (each step updates D once and G once)")]
    public long Steps { get; set; } = 3000;

    [SpecDoc("images per step per rank")]
    public int BatchSize { get; set; } = 64;

    public DataSpec Data { get; set; } = new();

    public ModelSpec Model { get; set; } = new();

    [SpecDoc("bce | hinge | wgan-gp")]
    public LossKind Loss { get; set; } = LossKind.Bce;

    public OptimSpec Optim { get; set; } = new();

    [SpecDoc("write a sample grid every N steps (0: never)")]
    public int SampleEvery { get; set; } = 100;

    [SpecDoc("print a progress line every N steps when the output is not a terminal")]
    public int LogEvery { get; set; } = 50;

    public CheckpointSpec Checkpoint { get; set; } = new();

    public CollapseSpec Collapse { get; set; } = new();

    [SpecDoc("CPU threads for tensor ops (0: libtorch's default)")]
    public int Threads { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        problems.Positive(SpecBinder.Join(path, "steps"), Steps);
        problems.Positive(SpecBinder.Join(path, "batch_size"), BatchSize);
        problems.AtLeast(SpecBinder.Join(path, "sample_every"), SampleEvery, 0);
        problems.Positive(SpecBinder.Join(path, "log_every"), LogEvery);
        problems.AtLeast(SpecBinder.Join(path, "threads"), Threads, 0);
        Collapse.ValidateWith(this, problems, SpecBinder.Join(path, "collapse"));
        if (Loss == LossKind.WganGp && Model.Norm == NormKind.Batch)
        {
            // The gradient penalty is per sample; BatchNorm mixes samples, so the penalty is wrong (WGAN-GP paper, 4).
            problems.Add(SpecBinder.Join(path, "model.norm"), "none with loss wgan-gp (BatchNorm breaks the per-sample gradient penalty)", "batch");
        }
    }
}
