namespace GanCluster.Core.Spec;

/// <summary>
/// Everything that defines a run. Loaded from YAML by <see cref="RunSpecLoader"/>; the resolved spec (all
/// defaults filled in) is written to RUN_DIR/run.yaml. Keys are snake_case; unknown keys are errors.
/// </summary>
public sealed class RunSpec : ISpecSection
{
    [SpecDoc("seed for weights, data order and latents")]
    public long Seed { get; set; } = 1;

    /// <summary>The default of <see cref="Steps"/> for a dcgan run.</summary>
    public const long DefaultSteps = 3000;

    [SpecDoc("optimizer steps to train (each step updates D once and G once); progressive: null (the default there) " +
             "trains to the end of the last stabilise phase, a number caps it")]
    public long? Steps { get; set; } = DefaultSteps;

    [SpecDoc("images per step per rank (per micro-batch with accumulate > 1)")]
    public int BatchSize { get; set; } = 64;

    [SpecDoc("gradient accumulation: micro-batches of batch_size per optimizer step, so each rank trains on batch_size x " +
             "accumulate images per step with one micro-batch's activation memory; trains as a world accumulate times " +
             "larger would (each micro-batch has its own latents and BatchNorm statistics, like a rank)")]
    public int Accumulate { get; set; } = 1;

    [SpecDoc("the training images")]
    public DataSpec Data { get; set; } = new();

    [SpecDoc("the generator and discriminator")]
    public ModelSpec Model { get; set; } = new();

    [SpecDoc("progressive growing (model.arch progressive only; null for dcgan)")]
    public ProgressiveSpec? Progressive { get; set; }

    [SpecDoc("multi-scale gradients (model.arch msg only; null otherwise)")]
    public MsgSpec? Msg { get; set; }

    [SpecDoc("bce | hinge | wgan-gp | ra-hinge (default: bce for dcgan, wgan-gp for progressive, ra-hinge for msg)")]
    public LossKind Loss { get; set; } = LossKind.Bce;

    [SpecDoc("Adam settings of both networks")]
    public OptimSpec Optim { get; set; } = new();

    [SpecDoc("differentiable augmentation of D's real and fake inputs: none | diffaugment | ada (docs/policies.md, \"When D wins\")")]
    public AugmentSpec Augment { get; set; } = new();

    [SpecDoc("regularisers of D: R1 gradient penalty, spectral normalisation")]
    public RegularizationSpec Regularization { get; set; } = new();

    [SpecDoc("learning-rate balancing policies, applied in order: fixed | ttur | skip-d | adaptive | plateau")]
    public List<PolicySpec> Policy { get; set; } = [new FixedPolicySpec()];

    [SpecDoc("write a sample grid every N steps (0: never)")]
    public int SampleEvery { get; set; } = 100;

    [SpecDoc("print a progress line every N steps when the output is not a terminal")]
    public int LogEvery { get; set; } = 50;

    [SpecDoc("checkpoints in RUN_DIR/checkpoints (atomic, checksummed)")]
    public CheckpointSpec Checkpoint { get; set; } = new();

    [SpecDoc("write TensorBoard event files to RUN_DIR/tensorboard on rank 0: every metrics row as scalars, sample grids as images (--tensorboard DIR writes them elsewhere)")]
    public bool Tensorboard { get; set; }

    [SpecDoc("how the run uses the cluster (`local`, `coordinator`, `trainer`; ignored by `train`)")]
    public ClusterSpec Cluster { get; set; } = new();

    [SpecDoc("the mode-collapse monitor and its optional response (docs/collapse.md)")]
    public CollapseSpec Collapse { get; set; } = new();

    [SpecDoc("CPU threads for tensor ops (0: libtorch's default)")]
    public int Threads { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        if (Steps is { } steps) problems.Positive(SpecBinder.Join(path, "steps"), steps);
        else if (Model.Arch != ModelArch.Progressive)
            problems.Add(SpecBinder.Join(path, "steps"), "a positive number (only a progressive run may leave steps to its schedule)", "null");
        problems.Positive(SpecBinder.Join(path, "batch_size"), BatchSize);
        problems.InRange(SpecBinder.Join(path, "accumulate"), Accumulate, 1, 1024);
        problems.AtLeast(SpecBinder.Join(path, "sample_every"), SampleEvery, 0);
        problems.Positive(SpecBinder.Join(path, "log_every"), LogEvery);
        problems.AtLeast(SpecBinder.Join(path, "threads"), Threads, 0);
        Collapse.ValidateWith(this, problems, SpecBinder.Join(path, "collapse"));
        if (Loss == LossKind.WganGp && Model.Arch == ModelArch.Dcgan && Model.Norm == NormKind.Batch)
        {
            // The gradient penalty is per sample; BatchNorm mixes samples, so the penalty is wrong (WGAN-GP paper, 4).
            problems.Add(SpecBinder.Join(path, "model.norm"), "none with loss wgan-gp (BatchNorm breaks the per-sample gradient penalty)", "batch");
        }
        string arch = SpecSchema.EnumName(typeof(ModelArch), Model.Arch);
        if (Regularization.SpectralNorm && Model.Arch != ModelArch.Dcgan)
            problems.Add(SpecBinder.Join(path, "regularization.spectral_norm"), $"false for model.arch {arch} (its equalized learning rate scales the weights already)", "true");
        // An MSG batch is every scale packed into one image (ScalePyramid); a translation or cutout of the packed
        // tensor would move pixels between scales. Augmenting each scale alike is not built yet.
        if (Augment.Kind != AugmentKind.None && Model.Arch == ModelArch.Msg)
            problems.Add(SpecBinder.Join(path, "augment.kind"), "none for model.arch msg (augmenting every scale alike is not built yet)", SpecSchema.EnumName(typeof(AugmentKind), Augment.Kind));
        int rescue = Collapse.Response.Mitigation.FindIndex(m => m is RescueMitigation);
        if (rescue >= 0 && Model.Arch == ModelArch.Msg)
            problems.Add(SpecBinder.Join(path, $"collapse.response.mitigation[{rescue}].kind"), "scale_lr for model.arch msg (the rescue switches augmentation on)", "'rescue'");
        ValidateProgressive(problems, path);
        if (Model.Arch != ModelArch.Msg && Msg != null)
            problems.Add(SpecBinder.Join(path, "msg"), $"null for model.arch {SpecSchema.EnumName(typeof(ModelArch), Model.Arch)} (the msg section needs model.arch msg)", "a mapping");
        ValidatePolicies(problems, path);
    }

    void ValidateProgressive(SpecProblems problems, string path)
    {
        string at = SpecBinder.Join(path, "progressive");
        if (Model.Arch != ModelArch.Progressive)
        {
            if (Progressive != null)
                problems.Add(at, $"null for model.arch {SpecSchema.EnumName(typeof(ModelArch), Model.Arch)} (progressive growing needs model.arch progressive)", "a mapping");
            return;
        }
        if (Progressive == null) return; // the loader fills in the defaults
        if (Progressive.StartResolution > Model.Resolution)
            problems.Add($"{at}.start_resolution", $"at most model.resolution ({Model.Resolution})", Progressive.StartResolution.ToString());
        foreach (var res in Progressive.BatchSize.Keys.Concat(Progressive.Lr.Keys).Distinct().Order())
        {
            if (res < Progressive.StartResolution || res > Model.Resolution)
                problems.Add($"{at}.{(Progressive.BatchSize.ContainsKey(res) ? "batch_size" : "lr")}",
                    $"resolutions from start_resolution ({Progressive.StartResolution}) to model.resolution ({Model.Resolution})", res.ToString());
        }
    }

    void ValidatePolicies(SpecProblems problems, string path)
    {
        for (int i = 0; i < Policy.Count; i++)
        {
            string at = $"{SpecBinder.Join(path, "policy")}[{i}]";
            if (Policy[i] is TturPolicySpec && Progressive is { Lr.Count: > 0 })
                problems.Add($"{at}.kind", "no ttur policy alongside progressive.lr (ttur sets lr_g and lr_d at every resolution; use one of them)", "'ttur'");
            if (Policy[i] is TturPolicySpec && Policy.Take(i).Any(p => p is TturPolicySpec))
                problems.Add($"{at}.kind", "at most one ttur policy", "a second 'ttur'");
        }
    }
}
