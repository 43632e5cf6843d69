using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.IO;
using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Sampling;
using GanCluster.Training.Steps;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training;

/// <summary>
/// One replica's training loop. Its parts, declared up front (torchtitan's habit):
/// configuration (spec, run directory, options); components built from the spec (data, models, loss,
/// optimizers, the step); fixed components (checkpoint writer, metrics and event logs, sample writer, collapse
/// monitor and response); and the run state. Rank 0 writes the run directory; every rank trains.
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
    readonly IGanLoss _loss;
    readonly Adam _optG;
    readonly Adam _optD;
    readonly GanStep _step;

    // Fixed components (rank 0 only)
    readonly JsonlWriter? _metrics;
    readonly EventLog? _events;
    readonly CheckpointWriter? _checkpoints;
    readonly Tensor _sampleLatents;
    readonly CollapseMonitor? _collapse;           // diversity / duplicates / coverage, off the hot path
    readonly CollapseResponse? _collapseResponse;  // opt-in: roll back and mitigate when collapse persists

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

        _data = ImageSources.Open(_spec.Data, _spec.Model);
        var sampler = new ShardedSampler(_data.Count, _spec.Seed, _collective.Rank, _collective.WorldSize, _spec.BatchSize);
        _loader = new BatchLoader(_data, sampler);
        (_g, _d) = CreateModels();
        _loss = GanLosses.Create(_spec.Loss);
        _optG = optim.Adam(_g.parameters(), _spec.Optim.LrG, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _optD = optim.Adam(_d.parameters(), _spec.Optim.LrD, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _step = new GanStep(_g, _d, _spec.Model.Nz, _loss, _optG, _optD, _collective, _device);
        _sampleLatents = StepRandom.FixedLatents(_spec.Seed, options.SampleCount, _spec.Model.Nz);
        _state = new TrainState { Seed = _spec.Seed, WorldSize = _collective.WorldSize };

        var resumeFrom = options.Resume ? FindResumePoint() : null;
        if (IsLogger)
        {
            _layout.Create();
            if (!options.Resume) ClearPreviousRun(_layout, _spec.Checkpoint.Keep); // refuses before anything is written
            DurableFile.WriteAllText(_layout.SpecFile, _specYaml);
            long? truncate = resumeFrom?.Snapshot.ReadState().Step ?? (options.Resume ? 0 : null);
            _metrics = new JsonlWriter(_layout.MetricsFile, truncate);
            _events = new EventLog(_layout.EventsFile, truncate);
            _checkpoints = new CheckpointWriter(new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep), _events);
            if (_spec.Collapse.Enabled) (_collapse, _collapseResponse) = CreateCollapseComponents(resumeFrom?.Manifest);
        }
        if (resumeFrom != null) Restore(resumeFrom.Value.Snapshot, _collapseResponse?.State);
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

    bool IsLogger => _collective.Rank == 0;

    /// <summary>Why the collapse response stopped the run (null when it did not): the CLI prints it and exits 1.</summary>
    public string? StopReason => _collapseResponse?.StopReason;

    /// <summary>The collapse monitor (rank 0 with collapse.enabled), for telemetry to subscribe to.</summary>
    public CollapseMonitor? CollapseMonitor => _collapse;

    /// <summary>Trains until spec.steps or cancellation; on cancellation, checkpoints the last finished step.</summary>
    public TrainState Run(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        long startStep = _state.Step;
        double imagesPerSecond = 0;
        _events?.Write(_state.Step, startStep == 0 ? EventKind.RunStarted : EventKind.RunResumed, new JsonObject
        {
            ["steps"] = _spec.Steps,
            ["world_size"] = _collective.WorldSize,
            ["data"] = _data.Description,
            ["device"] = _device.ToString(),
            ["spec_hash"] = _specHash,
        });
        while (_state.Step < _spec.Steps && !cancel.IsCancellationRequested && StopReason == null)
        {
            var stepClock = Stopwatch.StartNew();
            long step = _state.Step + 1;
            StepStats stats;
            using (var real = _loader.Next())
                stats = _step.Run(real, step, _spec.Seed, updateD: true, cancel);
            _state = _state with
            {
                Step = step,
                Data = _loader.Position,
                ImagesSeen = _state.ImagesSeen + (long)_spec.BatchSize * _collective.WorldSize,
                SkippedNonFiniteD = _state.SkippedNonFiniteD + (stats.DUpdated || stats.DSkippedByPolicy ? 0 : 1),
                SkippedNonFiniteG = _state.SkippedNonFiniteG + (stats.GUpdated ? 0 : 1),
            };
            double rate = (double)_spec.BatchSize * _collective.WorldSize / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            AfterStep(stats, imagesPerSecond);
            StepCompleted?.Invoke(new StepReport(stats, _spec.Steps, imagesPerSecond, LearningRate(_optD), LearningRate(_optG),
                _state.SkippedNonFinite, clock.Elapsed) { StepsThisSession = step - startStep });
        }
        Finish(cancel.IsCancellationRequested);
        return _state;
    }

    void AfterStep(StepStats stats, double imagesPerSecond)
    {
        long step = stats.Step;
        bool checkpointDue = _spec.Checkpoint.Every > 0 && step % _spec.Checkpoint.Every == 0;
        if (stats.AnyNonFinite && IsLogger) _events!.Write(step, EventKind.NonFiniteSkipped, new JsonObject
        {
            ["d"] = !stats.DUpdated && !stats.DSkippedByPolicy,
            ["g"] = !stats.GUpdated,
            ["loss_d"] = Json(stats.LossD),
            ["loss_g"] = Json(stats.LossG),
        });
        var row = new JsonObject
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
            ["lr_d"] = LearningRate(_optD),
            ["lr_g"] = LearningRate(_optG),
            ["images_per_s"] = Math.Round(imagesPerSecond, 2),
            ["skipped_nonfinite"] = _state.SkippedNonFinite,
            ["world_size"] = _collective.WorldSize,
            ["time"] = Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, 3),
        };
        var collapse = ObserveCollapse(step, row, checkpointDue);
        _metrics?.Write(row);
        if (_spec.SampleEvery > 0 && step % _spec.SampleEvery == 0) WriteSample(step);
        if (checkpointDue) Checkpoint(background: true);
        if (collapse != null) _collapseResponse?.AfterEvaluation(step, RestoreForRollback);
    }

    /// <summary>
    /// Hands the generator to the collapse monitor when an evaluation is due, and adds any evaluation that finished
    /// to this step's metrics row. Before a checkpoint it waits for the evaluation in flight, so the checkpoint
    /// records the flag as of every evaluation up to its step (what a rollback chooses by).
    /// </summary>
    CollapseEvaluation? ObserveCollapse(long step, JsonObject row, bool checkpointDue)
    {
        if (_collapse == null) return null;
        if (_collapse.IsDue(step)) _collapse.Submit(step, _g);
        if (checkpointDue) _collapse.WaitIdle();
        return _collapse.Collect(step, row);
    }

    void Finish(bool interrupted)
    {
        long step = _state.Step;
        if (IsLogger)
        {
            _collapse?.WaitIdle();
            var lastEvaluation = _collapse?.Collect(step, row: null); // one taken at the last step has no later row
            if (_spec.SampleEvery == 0 || step % _spec.SampleEvery != 0) WriteSample(step);
            _checkpoints!.Flush();
            if (_checkpoints.LastCommittedStep != step) Checkpoint(background: false);
            _checkpoints.Flush();
            var details = new JsonObject
            {
                ["skipped_nonfinite"] = _state.SkippedNonFinite,
                ["images_seen"] = _state.ImagesSeen,
                ["replica_hash"] = Snapshot().Hash(),
            };
            if (_collapse != null) details["collapse"] = _collapse.Summary(lastEvaluation);
            if (StopReason != null)
            {
                details["reason"] = StopReason;
                details["rollbacks"] = _collapseResponse!.State.Rollbacks;
            }
            string kind = interrupted ? EventKind.RunInterrupted : StopReason != null ? EventKind.CollapseStopped : EventKind.RunFinished;
            _events!.Write(step, kind, details);
        }
    }

    /// <summary>The replica's state as blobs (weights, optimizers, state.json, spec).</summary>
    public TrainerSnapshot Snapshot() => TrainerSnapshot.Capture(_g, _d, _optG, _optD, _state, _specYaml);

    void Checkpoint(bool background)
    {
        if (!IsLogger) return;
        var snapshot = Snapshot();
        var info = new JsonObject { ["replica_hash"] = snapshot.Hash(), ["world_size"] = _collective.WorldSize };
        if (_collapse != null)
            info[CollapseCheckpointInfo.Key] = CollapseCheckpointInfo.ToJson(_collapse.Flag, _collapseResponse?.State ?? CollapseResponseState.Initial);
        if (background) _checkpoints!.Submit(_state.Step, _specHash, snapshot, info);
        else _checkpoints!.WriteNow(_state.Step, _specHash, snapshot, info);
    }

    void WriteSample(long step)
    {
        if (!IsLogger) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _g.eval();
        var images = _g.forward(_sampleLatents.to(_device));
        _g.train();
        DurableFile.WriteAllBytes(_layout.SampleFile(step), ImageGrid.ToPng(images));
    }

    (TrainerSnapshot Snapshot, CheckpointManifest Manifest)? FindResumePoint()
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
        return (snapshot, found.Value.Manifest);
    }

    /// <param name="collapse">Learning-rate factors compounded by collapse rollbacks, applied on top of the spec's.</param>
    void Restore(TrainerSnapshot snapshot, CollapseResponseState? collapse = null)
    {
        snapshot.Restore(_g, _d, _optG, _optD);
        // The spec may set other learning rates than the checkpoint (resume --force); the spec wins.
        SetLearningRate(_optG, _spec.Optim.LrG * (collapse?.LrGScale ?? 1));
        SetLearningRate(_optD, _spec.Optim.LrD * (collapse?.LrDScale ?? 1));
        var saved = snapshot.ReadState();
        _state = saved with { Seed = _spec.Seed, WorldSize = _collective.WorldSize };
        _loader.Seek(saved.Data);
    }

    /// <summary>The collapse response's rollback: this replica takes the checkpoint's state and the mitigated learning rates.</summary>
    void RestoreForRollback(TrainerSnapshot snapshot, CollapseAction.RollBack action) =>
        Restore(snapshot, new CollapseResponseState { LrGScale = action.LrGScale, LrDScale = action.LrDScale });

    (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) CreateModels() => _options.Models?.Invoke(_spec, _device) ?? GanModels.Create(_spec, _device);

    /// <summary>
    /// The collapse monitor (classifier: collapse.classifier, "auto" = the shipped MNIST one for the embedded data) and,
    /// when collapse.response is on in a world of one, the response; a resumed run continues their state.
    /// </summary>
    (CollapseMonitor, CollapseResponse?) CreateCollapseComponents(CheckpointManifest? resumed)
    {
        var spec = _spec.Collapse;
        string? classifier = ClassifierFiles.Resolve(spec.Classifier, _spec.Data.Format == DataFormat.Embedded, "collapse.classifier");
        var monitor = new CollapseMonitor(spec, _data, _spec.Seed, _spec.Model.Nz, () =>
        {
            var (g, d) = CreateModels();
            d.Dispose();
            return g;
        }, _device, classifier, _events, _options.Log, resumed == null ? null : CollapseCheckpointInfo.Flag(resumed));
        if (!spec.Response.Enabled) return (monitor, null);
        if (_collective.WorldSize > 1)
        {
            _options.Log?.Invoke("warning: collapse.response: with several ranks the coordinator applies the response; this trainer only monitors");
            return (monitor, null);
        }
        var responder = new CollapseResponder(spec.Response, CollapseResponse.ResumeState(resumed, _layout.EventsFile));
        return (monitor, new CollapseResponse(responder, monitor, _checkpoints!, _layout, _metrics!, _events!, _options.Log));
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

    static double LearningRate(OptimizerHelper optimizer) => optimizer.ParamGroups.First().LearningRate;

    static void SetLearningRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
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
        _collapse?.Dispose();
        _loader.Dispose();
        _step.Dispose();
        _metrics?.Dispose();
        _events?.Dispose();
        _sampleLatents.Dispose();
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
    }
}
