using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Data;
using GanCluster.Core.IO;
using GanCluster.Core.Parallel;
using GanCluster.Core.Planning;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Data;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Progressive;
using GanCluster.Training.Planning;
using GanCluster.Training.Sampling;
using GanCluster.Training.Steps;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training;

/// <summary>
/// One replica's training loop. Its parts, declared up front (torchtitan's habit):
/// configuration (spec, run directory, options); components built from the spec (data, models, generator
/// EMA, loss, optimizers, the step, and the plan: progressive schedule and learning-rate policies);
/// fixed components (checkpoint writer, metrics and event logs, sample writer); and the run state.
/// Rank 0 writes the run directory; every rank trains.
/// </summary>
public sealed class GanTrainer : IDisposable
{
    // Configuration
    readonly RunSpec _spec;
    readonly string _specYaml;
    readonly string _specHash;
    readonly RunLayout _layout;
    readonly TrainerOptions _options;
    readonly ICollective _collective;
    readonly Device _device;

    // Components built from the spec
    readonly ImageSource _data;
    readonly BatchLoader _loader;
    readonly nn.Module<Tensor, Tensor> _g;
    readonly nn.Module<Tensor, Tensor> _d;
    readonly GeneratorEma? _ema;
    readonly IGanLoss _loss;
    readonly Adam _optG;
    readonly Adam _optD;
    readonly GanStep _step;
    readonly PlanExecutor _plan;

    // Fixed components (rank 0 only)
    readonly JsonlWriter? _metrics;
    readonly EventLog? _events;
    readonly CheckpointWriter? _checkpoints;
    readonly Tensor _sampleLatents;

    // Run state
    TrainState _state;

    public GanTrainer(TrainerOptions options)
    {
        _options = options;
        _spec = options.Spec;
        _specYaml = SpecEmitter.ToYaml(_spec);
        _specHash = SpecDiff.Hash(_spec);
        _layout = new RunLayout(options.RunDir);
        _collective = options.Collective;
        _device = ParseDevice(options.Device);
        if (_spec.Threads > 0) set_num_threads(_spec.Threads);

        var plan = new TrainingPlan(_spec);
        _data = ImageSources.Open(_spec.Data, _spec.Model);
        CheckBatchesFit(plan, _data.Count, _collective.WorldSize);
        var sampler = new ShardedSampler(_data.Count, _spec.Seed, _collective.Rank, _collective.WorldSize, plan.Start().Next.BatchSize);
        _loader = new BatchLoader(_data, sampler);
        (_g, _d) = GanModels.Create(_spec, _device);
        _ema = CreateEma(_spec, _g, _device);
        _loss = GanLosses.Create(_spec.Loss);
        _optG = new SafeAdam(_g.parameters(), _spec.Optim.LrG, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _optD = new SafeAdam(_d.parameters(), _spec.Optim.LrD, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _step = new GanStep(_g, _d, _spec.Model.Nz, _loss, _optG, _optD, _collective, _device);
        _sampleLatents = StepRandom.FixedLatents(_spec.Seed, options.SampleCount, _spec.Model.Nz);
        _state = new TrainState { Seed = _spec.Seed, WorldSize = _collective.WorldSize };

        var resumeFrom = options.Resume ? FindResumePoint() : null;
        if (IsLogger)
        {
            _layout.Create();
            if (!options.Resume) ClearPreviousRun(_layout, _spec.Checkpoint.Keep); // refuses before anything is written
            DurableFile.WriteAllText(_layout.SpecFile, _specYaml);
            long? truncate = resumeFrom?.ReadState().Step ?? (options.Resume ? 0 : null);
            _metrics = new JsonlWriter(_layout.MetricsFile, truncate);
            _events = new EventLog(_layout.EventsFile, truncate);
            _checkpoints = new CheckpointWriter(new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep), _events);
        }
        _plan = new PlanExecutor(plan, _g, _d, _ema, _optG, _optD, _step, _loader, _events);
        if (resumeFrom != null) Restore(resumeFrom);
        foreach (var warning in _data.Warnings) DataWarning(warning);
        _data.Warning += DataWarning;
    }

    /// <summary>Raised after every step on every rank.</summary>
    public event Action<StepReport>? StepCompleted;

    public RunSpec Spec => _spec;

    public TrainState State => _state;

    public ImageSource Data => _data;

    public nn.Module<Tensor, Tensor> Generator => _g;

    public nn.Module<Tensor, Tensor> Discriminator => _d;

    /// <summary>The generator EMA used for samples (progressive runs with g_ema > 0), else null.</summary>
    public nn.Module<Tensor, Tensor>? GeneratorAverage => _ema?.Model;

    /// <summary>The training plan's state: the next step's plan, policy states, pending decisions.</summary>
    public PlanState Plan => _plan.State;

    /// <summary>The step at which the run ends (spec.steps, or the end of the progressive schedule).</summary>
    public long TotalSteps => _plan.TotalSteps(_collective.WorldSize);

    bool IsLogger => _collective.Rank == 0;

    /// <summary>Trains until the plan ends (spec.steps, or the progressive schedule) or cancellation; on cancellation, checkpoints the last finished step.</summary>
    public TrainState Run(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        long startStep = _state.Step;
        double imagesPerSecond = 0;
        _events?.Write(_state.Step, startStep == 0 ? EventKind.RunStarted : EventKind.RunResumed, new JsonObject
        {
            ["steps"] = _spec.Steps,
            ["total_steps"] = TotalSteps,
            ["world_size"] = _collective.WorldSize,
            ["data"] = _data.Description,
            ["device"] = _device.ToString(),
            ["spec_hash"] = _specHash,
        });
        while (!_plan.Finished && !cancel.IsCancellationRequested)
        {
            var stepClock = Stopwatch.StartNew();
            long step = _state.Step + 1;
            var plan = _plan.Begin();
            if (plan.Step != step) throw new InvalidOperationException($"the plan is for step {plan.Step}, the trainer is at step {step}");
            StepStats stats;
            using (NewDisposeScope())
                stats = _step.Run(_plan.Reals(_loader.Next()), step, _spec.Seed, plan.UpdateD, cancel);
            if (stats.GUpdated) _ema?.Update();
            _plan.End(stats, _collective.WorldSize);
            _state = _state with
            {
                Step = step,
                Data = _loader.Position,
                ImagesSeen = _state.ImagesSeen + (long)plan.BatchSize * _collective.WorldSize,
                SkippedNonFiniteD = _state.SkippedNonFiniteD + (stats.DUpdated || stats.DSkippedByPolicy ? 0 : 1),
                SkippedNonFiniteG = _state.SkippedNonFiniteG + (stats.GUpdated ? 0 : 1),
            };
            double rate = (double)plan.BatchSize * _collective.WorldSize / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            AfterStep(stats, plan, imagesPerSecond);
            StepCompleted?.Invoke(new StepReport(stats, TotalSteps, imagesPerSecond, plan.LrD, plan.LrG,
                _state.SkippedNonFinite, clock.Elapsed) { StepsThisSession = step - startStep, Plan = plan, Progressive = _plan.Plan.Schedule.IsProgressive });
        }
        Finish(cancel.IsCancellationRequested);
        return _state;
    }

    void AfterStep(StepStats stats, StepPlan plan, double imagesPerSecond)
    {
        long step = stats.Step;
        if (stats.AnyNonFinite && IsLogger) _events!.Write(step, EventKind.NonFiniteSkipped, new JsonObject
        {
            ["d"] = !stats.DUpdated && !stats.DSkippedByPolicy,
            ["g"] = !stats.GUpdated,
            ["loss_d"] = Json(stats.LossD),
            ["loss_g"] = Json(stats.LossG),
        });
        _metrics?.Write(new JsonObject
        {
            ["step"] = step,
            ["epoch"] = _state.Data.Epoch,
            ["loss_d"] = Json(stats.LossD),
            ["loss_g"] = Json(stats.LossG),
            ["d_real"] = Json(stats.DReal),
            ["d_fake"] = Json(stats.DFake),
            ["r_t"] = Json(stats.RealSign),
            ["grad_norm_d"] = Json(stats.GradNormD),
            ["grad_norm_g"] = Json(stats.GradNormG),
            ["lr_d"] = plan.LrD,
            ["lr_g"] = plan.LrG,
            ["d_skipped"] = plan.UpdateD ? 0 : 1,
            ["resolution"] = plan.Resolution,
            ["phase"] = plan.PhaseName,
            ["alpha"] = plan.Alpha,
            ["batch_size"] = plan.BatchSize,
            ["images"] = _state.ImagesSeen,
            ["images_per_s"] = Math.Round(imagesPerSecond, 2),
            ["skipped_nonfinite"] = _state.SkippedNonFinite,
            ["world_size"] = _collective.WorldSize,
            ["time"] = Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, 3),
        });
        if (_spec.SampleEvery > 0 && step % _spec.SampleEvery == 0) WriteSample(step);
        if (_spec.Checkpoint.Every > 0 && step % _spec.Checkpoint.Every == 0) Checkpoint(background: true);
    }

    void Finish(bool interrupted)
    {
        long step = _state.Step;
        if (IsLogger)
        {
            if (_spec.SampleEvery == 0 || step % _spec.SampleEvery != 0) WriteSample(step);
            _checkpoints!.Flush();
            if (_checkpoints.LastCommittedStep != step) Checkpoint(background: false);
            _checkpoints.Flush();
            _events!.Write(step, interrupted ? EventKind.RunInterrupted : EventKind.RunFinished, new JsonObject
            {
                ["skipped_nonfinite"] = _state.SkippedNonFinite,
                ["images_seen"] = _state.ImagesSeen,
                ["replica_hash"] = Snapshot().Hash(),
            });
        }
    }

    /// <summary>The replica's state as blobs (weights, optimizers, state.json, spec).</summary>
    public TrainerSnapshot Snapshot() =>
        TrainerSnapshot.Capture(_g, _d, _optG, _optD, _state with { Plan = JsonNode.Parse(_plan.State.ToJson()) }, _specYaml, _ema?.Model);

    void Checkpoint(bool background)
    {
        if (!IsLogger) return;
        var snapshot = Snapshot();
        var info = new JsonObject { ["replica_hash"] = snapshot.Hash(), ["world_size"] = _collective.WorldSize };
        if (background) _checkpoints!.Submit(_state.Step, _specHash, snapshot, info);
        else _checkpoints!.WriteNow(_state.Step, _specHash, snapshot, info);
    }

    void WriteSample(long step)
    {
        if (!IsLogger) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = _ema?.Model ?? _g;
        g.eval();
        var images = g.forward(_sampleLatents.to(_device));
        if (g == _g) _g.train();
        // A progressive run's grids show the current resolution, upscaled to the final one for viewing.
        int minSide = _spec.Model.Arch == ModelArch.Progressive ? Math.Max(64, _spec.Model.Resolution) : 0;
        DurableFile.WriteAllBytes(_layout.SampleFile(step), ImageGrid.ToPng(images, minSide: minSide));
    }

    TrainerSnapshot? FindResumePoint()
    {
        var store = new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep);
        var found = store.FindNewestValid(w => _options.Log?.Invoke("warning: " + w));
        if (found == null)
        {
            _options.Log?.Invoke($"--resume: no valid checkpoint under {_layout.CheckpointsDir}; starting from step 0");
            return null;
        }
        var snapshot = TrainerSnapshot.ReadFrom(found.Value.Path);
        var saved = RunSpecLoader.Parse(snapshot.ReadSpecYaml());
        var differences = SpecDiff.TrainingDifferences(saved, _spec);
        if (differences.Count > 0 && !_options.Force)
        {
            var problems = differences.Select(d => new SpecProblem(d.Path,
                $"{d.Before} (as in checkpoint {RunLayout.StepName(found.Value.Step)}; pass --force to resume anyway)", d.After)).ToList();
            throw new SpecException(problems, "--resume");
        }
        foreach (var d in differences) _options.Log?.Invoke($"--resume --force: {d.Path} changed from {d.Before} to {d.After}");
        _options.Log?.Invoke($"resuming from {found.Value.Path}");
        return snapshot;
    }

    void Restore(TrainerSnapshot snapshot)
    {
        snapshot.Restore(_g, _d, _optG, _optD, _ema?.Model);
        var saved = snapshot.ReadState();
        _state = saved with { Seed = _spec.Seed, WorldSize = _collective.WorldSize, Plan = null };
        _loader.Seek(saved.Data);
        // The plan continues from its saved state (phase, alpha, policy states, pending decisions), re-derived
        // under this spec: with resume --force, changed learning rates or schedules take effect from here.
        _plan.Restore(saved.ReadPlan() ?? _plan.Plan.At(saved.Step, saved.ImagesSeen));
    }

    /// <summary>
    /// A fresh (not resumed) run may reuse a folder whose earlier run never committed a checkpoint (its logs go);
    /// a folder with committed checkpoints is refused rather than overwritten.
    /// </summary>
    static void ClearPreviousRun(RunLayout layout, int keep)
    {
        var committed = new CheckpointStore(layout.CheckpointsDir, keep).List();
        if (committed.Count > 0)
            throw new SpecException("--out", "a new run directory, or --resume to continue this one",
                $"'{layout.Root}' holding checkpoints up to {RunLayout.StepName(committed[0].Step)}", "input");
        foreach (var file in new[] { layout.MetricsFile, layout.EventsFile })
            if (File.Exists(file)) File.Delete(file);
        foreach (var png in Directory.GetFiles(layout.SamplesDir, "step-*.png")) File.Delete(png);
    }

    void DataWarning(string message)
    {
        _options.Log?.Invoke("warning: " + message);
        _events?.Write(_state.Step, EventKind.DataWarning, new JsonObject { ["message"] = message, ["skipped_total"] = _data.Skipped });
    }

    static GeneratorEma? CreateEma(RunSpec spec, nn.Module<Tensor, Tensor> g, Device device)
    {
        if (spec.Model.Arch != ModelArch.Progressive || spec.Progressive is not { GEma: > 0 } p) return null;
        var copy = new ProgressiveGenerator(spec.Model, p);
        copy.to(device);
        return new GeneratorEma(g, copy, p.GEma);
    }

    /// <summary>Every phase's global batch must fit in the dataset (checked up front, not at a growth step hours later).</summary>
    static void CheckBatchesFit(TrainingPlan plan, int count, int worldSize)
    {
        foreach (var phase in plan.Schedule.Phases)
            if ((long)phase.BatchSize * worldSize > count)
                throw new DataException($"the dataset has {count} images, fewer than one global batch at {phase.Resolution}x{phase.Resolution} " +
                                        $"({worldSize} x {phase.BatchSize}); lower the batch size or add images");
    }

    /// <summary>JSON has no NaN/Inf: a non-finite statistic is written as null.</summary>
    static JsonNode? Json(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static Device ParseDevice(string text)
    {
        if (text.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !cuda.is_available())
            throw new SpecException("--device", "cpu, or a CUDA device on a build with -p:TorchBackend=cuda and a visible GPU", $"'{text}' (CUDA is not available)", "input");
        try { return device(text); }
        catch (ArgumentException) { throw new SpecException("--device", "cpu, cuda or cuda:N", $"'{text}'", "input"); }
    }

    public void Dispose()
    {
        _data.Warning -= DataWarning;
        _checkpoints?.Dispose();
        _loader.Dispose();
        _step.Dispose();
        _metrics?.Dispose();
        _events?.Dispose();
        _sampleLatents.Dispose();
        _ema?.Dispose();
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
    }
}
