using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.IO;
using GanCluster.Core.Parallel;
using GanCluster.Core.Planning;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Distributed;
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
/// configuration (spec, run directory, options); components built from the spec (data, models, generator EMA,
/// loss, optimizers, the step, and the plan: progressive schedule and learning-rate policies); the world it
/// trains in (the collective, bound and rebound by <see cref="BindWorld"/>);
/// rank-0 components (metrics log, events, checkpoint writer, samples, collapse monitor and response); and the
/// run state.
/// Every rank trains; only rank 0 writes the run directory.
/// </summary>
public sealed class GanTrainer : IDisposable
{
    // Configuration
    readonly RunSpec _spec;
    readonly string _specYaml;
    readonly string _specHash;
    readonly RunLayout _layout;
    readonly TrainerOptions _options;
    readonly Device _device;

    // Components built from the spec
    readonly ImageSource _data;
    readonly nn.Module<Tensor, Tensor> _g;
    readonly nn.Module<Tensor, Tensor> _d;
    readonly GeneratorEma? _ema;
    readonly IGanLoss _loss;
    readonly Adam _optG;
    readonly Adam _optD;
    readonly GanStep _step;
    readonly PlanExecutor _plan;
    readonly Tensor _sampleLatents;

    // The world (changes when members join or leave)
    ICollective _collective = SingleProcessCollective.Instance;
    long _epoch; // the world's epoch in a cluster (0 in a single process: no fence to respect)
    BatchLoader? _loader;
    int _perRankBatch;

    // Rank-0 components
    JsonlWriter? _metrics;
    IEventSink? _events;
    EventLog? _ownEventLog;
    CheckpointWriter? _checkpoints;
    CollapseMonitor? _collapse;           // diversity / duplicates / coverage, off the hot path
    CollapseResponse? _collapseResponse;  // opt-in: roll back and mitigate when collapse persists

    // Run state
    TrainState _state;
    JsonObject? _lastRow; // the last step's metrics row, kept on every rank for whoever is rank 0 next
    CheckpointManifest? _resumedManifest; // carries the collapse state of the checkpoint we resumed from
    readonly List<string> _skippedCheckpoints = []; // why resume skipped them; events once the event log is open
    (double G, double D) _lrScale = (1, 1); // compounded by collapse rollbacks, on top of the plan's learning rates
    CollapseResponseState? _clusterCollapse; // in a cluster: the coordinator's response state, given with each world

    public GanTrainer(TrainerOptions options)
    {
        _options = options;
        _spec = options.Spec;
        _specYaml = SpecEmitter.ToYaml(_spec);
        _specHash = SpecDiff.Hash(_spec);
        _layout = new RunLayout(options.RunDir);
        _device = ParseDevice(options.Device);
        if (_spec.Threads > 0) set_num_threads(_spec.Threads);

        var plan = new TrainingPlan(_spec);
        _data = ImageSources.Open(_spec.Data, _spec.Model);
        (_g, _d) = CreateModels();
        _ema = CreateEma(_spec, _g, _device);
        _loss = GanLosses.Create(_spec.Loss);
        _optG = new SafeAdam(_g.parameters(), _spec.Optim.LrG, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _optD = new SafeAdam(_d.parameters(), _spec.Optim.LrD, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _step = new GanStep(_g, _d, _spec.Model.Nz, _loss, _optG, _optD, _device);
        _plan = new PlanExecutor(plan, _g, _d, _ema, _optG, _optD, _step, () => _events);
        _sampleLatents = StepRandom.FixedLatents(_spec.Seed, options.SampleCount, _spec.Model.Nz);
        _state = new TrainState { Seed = _spec.Seed };

        // Loaded into the replica here (all or nothing), so a checkpoint that does not load is skipped like a corrupt one.
        if (options.ResumeCheckpoint != null) LoadCheckpoint(CheckpointStore.Read(options.ResumeCheckpoint));
        else if (options.Resume) FindResumePoint();
        bool ownsRunDirectory = options.Events == null;
        var firstWorld = options.Collective ?? (ownsRunDirectory ? SingleProcessCollective.Instance : null);
        if (ownsRunDirectory && firstWorld?.Rank == 0)
            RunDirectory.Prepare(_layout, _specYaml, resume: options.Resume, _spec.Checkpoint.Keep);
        if (firstWorld != null) BindWorld(firstWorld);
        foreach (var warning in _data.Warnings) DataWarning(warning);
        _data.Warning += DataWarning;
    }

    /// <summary>Raised after every step on every rank.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised on rank 0 after each metrics.jsonl row is written (it carries the collapse monitor's figures when one finished).</summary>
    public event Action<JsonObject>? MetricsRowWritten;

    /// <summary>Raised on rank 0 after a sample grid was written: the step and the PNG file (samples/step-NNNNNN.png).</summary>
    public event Action<long, string>? SampleWritten;

    public RunSpec Spec => _spec;

    public TrainState State => _state;

    public ImageSource Data => _data;

    public ICollective Collective => _collective;

    public nn.Module<Tensor, Tensor> Generator => _g;

    public nn.Module<Tensor, Tensor> Discriminator => _d;

    /// <summary>The generator EMA used for samples (progressive.g_ema or, for dcgan, optim.g_ema > 0), else null.</summary>
    public nn.Module<Tensor, Tensor>? GeneratorAverage => _ema?.Model;

    /// <summary>The training plan's state: the next step's plan, policy states, pending decisions.</summary>
    public PlanState Plan => _plan.State;

    /// <summary>True when the plan has run to its end (spec.steps, or the end of the progressive schedule).</summary>
    public bool Finished => _plan.Finished;

    /// <summary>The step at which the run ends (spec.steps, or the end of the progressive schedule).</summary>
    public long TotalSteps => _plan.TotalSteps(_collective.WorldSize);

    bool IsLogger => _collective.Rank == 0;

    /// <summary>Why the collapse response stopped the run (null when it did not): the CLI prints it and exits 1.</summary>
    public string? StopReason => _collapseResponse?.StopReason;

    /// <summary>
    /// In a cluster (the coordinator owns the collapse response): called on rank 0's training thread after a step whose
    /// collected evaluation left collapse_suspected set, once the step's checkpoint is committed. It reports the flag
    /// to the coordinator and waits for its decision (a rollback or a stop ends this world: the call then waits for
    /// the abort or stop to arrive, so the world does not run ahead).
    /// </summary>
    public Action<long, CollapseFlagState>? CollapseSuspected { get; set; }

    /// <summary>
    /// In a cluster: the coordinator's collapse response state for the world about to start. Its learning-rate
    /// scales apply from the world's first step on every replica, and rank 0 records it in checkpoint manifests.
    /// </summary>
    public void SetCollapseState(CollapseResponseState state)
    {
        _clusterCollapse = state;
        _lrScale = (state.LrGScale, state.LrDScale);
    }

    /// <summary>
    /// Loads a checkpoint folder into this replica (a world formed from a checkpoint, e.g. a collapse rollback); a
    /// collapse monitor takes the checkpoint's flag state.
    /// </summary>
    public void RestoreCheckpoint(string path)
    {
        var checkpoint = CheckpointStore.Read(path); // one verified read: the manifest and the loaded bytes agree
        Restore(TrainerSnapshot.FromVerified(checkpoint));
        _resumedManifest = checkpoint.Manifest;
        _collapse?.Reset(CollapseCheckpointInfo.Flag(checkpoint.Manifest));
    }

    /// <summary>The collapse monitor (rank 0 with collapse.enabled), for telemetry to subscribe to.</summary>
    public CollapseMonitor? CollapseMonitor => _collapse;

    /// <summary>
    /// Enters a (new) world: this rank's data shard continues from the global data position, and the rank-0
    /// duties (metrics, events, checkpoints, samples) move to whoever is rank 0 now.
    /// </summary>
    public void BindWorld(ICollective collective, long epoch = 0)
    {
        _collective = collective;
        _epoch = epoch;
        _state = _state with { WorldSize = collective.WorldSize };
        _loader?.Dispose();
        CheckBatchesFit(_plan.Plan, _data.Count, collective.WorldSize);
        _perRankBatch = PerRankBatch(_spec, _plan.State.Next.BatchSize, collective.WorldSize);
        var sampler = new ShardedSampler(_data.Count, _spec.Seed, collective.Rank, collective.WorldSize, _perRankBatch);
        _loader = new BatchLoader(_data, sampler);
        _loader.Seek(_state.Data);
        // Reopened on every world: a world that was abandoned may have completed a step it could not log (its
        // rank 0 was fenced, or died); opening drops rows past our state and writes the one we hold for it.
        CloseRankZeroFiles(keepCollapse: IsLogger);
        if (IsLogger) OpenRankZeroFiles();
    }

    /// <summary>
    /// The batch each rank draws, given the plan's per-rank batch (batch_size, or the progressive table's entry),
    /// in a world of <paramref name="worldSize"/> (cluster.batch_rule).
    /// </summary>
    public static int PerRankBatch(RunSpec spec, int planBatch, int worldSize) => spec.Cluster.BatchRule == BatchRule.KeepGlobal
        ? Math.Max(1, planBatch * spec.Cluster.Workers / worldSize)
        : planBatch;

    void OpenRankZeroFiles()
    {
        _layout.Create();
        // Rows beyond the state we continue from were written by a world that did not commit them.
        _metrics = new JsonlWriter(_layout.MetricsFile, truncateAfterStep: _state.Step);
        // A previous rank 0 may have died before writing the row of the step this world continues from.
        if (_lastRow?["step"]?.GetValue<long>() == _state.Step && JsonlWriter.LastStep(_layout.MetricsFile) < _state.Step)
            _metrics.Write(_lastRow.DeepClone().AsObject());
        if (_options.Events is { } sink) _events = sink;
        else _events = _ownEventLog = new EventLog(_layout.EventsFile, truncateAfterStep: _state.Step);
        _checkpoints = new CheckpointWriter(new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep), _events,
            FenceGuard.For(_layout.Root, _epoch)); // the fence is checked again, under its lock, when a commit is published
        foreach (var warning in _skippedCheckpoints)
            _events.Write(_state.Step, EventKind.CheckpointSkipped, new JsonObject { ["warning"] = warning });
        _skippedCheckpoints.Clear();
        if (_spec.Collapse.Enabled && _collapse == null) (_collapse, _collapseResponse) = CreateCollapseComponents(_resumedManifest);
        if (_collapseResponse?.State is { } response) _lrScale = (response.LrGScale, response.LrDScale);
    }

    /// <param name="keepCollapse">rank 0 stays rank 0: its collapse monitor keeps its history</param>
    void CloseRankZeroFiles(bool keepCollapse = false)
    {
        if (!keepCollapse)
        {
            _collapse?.Dispose();
            (_collapse, _collapseResponse) = (null, null);
        }
        _checkpoints?.Dispose();
        _metrics?.Dispose();
        _ownEventLog?.Dispose();
        (_checkpoints, _metrics, _events, _ownEventLog) = (null, null, null, null);
    }

    /// <summary>
    /// Trains until spec.steps. <paramref name="stop"/> asks for a clean stop: in a world of several ranks the
    /// request is voted through the step's all-reduce, so every rank stops after the same step; then rank 0
    /// checkpoints. <paramref name="abort"/> abandons the world at once (a peer failed, the world is being
    /// re-formed): the step in flight is undone and OperationCanceledException propagates, as does any failure
    /// of the data plane; the cluster layer then heals the world and calls Run again.
    /// </summary>
    public TrainState Run(CancellationToken stop = default, CancellationToken abort = default)
    {
        var clock = Stopwatch.StartNew();
        long startStep = _state.Step;
        double imagesPerSecond = 0;
        bool stopped = false;
        _events?.Write(_state.Step, startStep == 0 ? EventKind.RunStarted : EventKind.RunResumed, new JsonObject
        {
            ["steps"] = _spec.Steps,
            ["total_steps"] = TotalSteps,
            ["world_size"] = _collective.WorldSize,
            ["data"] = _data.Description,
            ["device"] = _device.ToString(),
            ["spec_hash"] = _specHash,
        });
        if (_collective.WorldSize > 1) CheckReplicas(abort); // same start, proven before the first step
        while (!_plan.Finished && StopReason == null)
        {
            abort.ThrowIfCancellationRequested();
            if (_collective.WorldSize == 1 && stop.IsCancellationRequested) { stopped = true; break; }
            var stepClock = Stopwatch.StartNew();
            long step = _state.Step + 1;
            using var stepSpan = GanActivities.Source.StartActivity(GanActivities.Step)?.SetTag("gancluster.step", step);
            var plan = _plan.Begin();
            if (plan.Step != step) throw new InvalidOperationException($"the plan is for step {plan.Step}, the trainer is at step {step}");
            if (_lrScale != (1, 1))
            {
                plan = plan with { LrG = plan.LrG * _lrScale.G, LrD = plan.LrD * _lrScale.D };
                PlanExecutor.SetLearningRate(_optG, plan.LrG);
                PlanExecutor.SetLearningRate(_optD, plan.LrD);
            }
            _perRankBatch = PerRankBatch(_spec, plan.BatchSize, _collective.WorldSize);
            _loader!.BatchSize = _perRankBatch;
            StepStats stats;
            using (NewDisposeScope())
                stats = _step.Run(_plan.Reals(_loader.Next()), step, _spec.Seed, _collective, plan.UpdateD,
                    voteStop: stop.IsCancellationRequested, abort);
            if (stats.GUpdated) _ema?.Update();
            _plan.End(stats, _collective.WorldSize);
            _state = _state with
            {
                Step = step,
                Data = _loader.Position,
                ImagesSeen = _state.ImagesSeen + (long)_perRankBatch * _collective.WorldSize,
                SkippedNonFiniteD = _state.SkippedNonFiniteD + (stats.DUpdated || stats.DSkippedByPolicy ? 0 : 1),
                SkippedNonFiniteG = _state.SkippedNonFiniteG + (stats.GUpdated ? 0 : 1),
            };
            double rate = (double)_perRankBatch * _collective.WorldSize / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            AfterStep(stats, plan, imagesPerSecond, abort);
            StepCompleted?.Invoke(new StepReport(stats, TotalSteps, imagesPerSecond, plan.LrD, plan.LrG,
                _state.SkippedNonFinite, clock.Elapsed) { StepsThisSession = step - startStep, Plan = plan, Progressive = _plan.Plan.Schedule.IsProgressive,
                StepSeconds = stepClock.Elapsed.TotalSeconds, ImagesThisStep = (long)_perRankBatch * _collective.WorldSize });
            if (stats.StopVotes > 0) { stopped = true; break; }
        }
        Finish(stopped);
        return _state;
    }

    void AfterStep(StepStats stats, StepPlan plan, double imagesPerSecond, CancellationToken cancel)
    {
        long step = stats.Step;
        bool checkpointDue = _spec.Checkpoint.Every > 0 && step % _spec.Checkpoint.Every == 0;
        bool? hashOk = null;
        if (_collective.WorldSize > 1 && _spec.Cluster.HashEvery > 0 && step % _spec.Cluster.HashEvery == 0)
            hashOk = CheckReplicas(cancel);
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
            ["lr_d"] = plan.LrD,
            ["lr_g"] = plan.LrG,
            ["d_skipped"] = plan.UpdateD ? 0 : 1,
            ["resolution"] = plan.Resolution,
            ["phase"] = plan.PhaseName,
            ["alpha"] = plan.Alpha,
            ["batch_size"] = _perRankBatch,
            ["images"] = _state.ImagesSeen,
            ["images_per_s"] = Math.Round(imagesPerSecond, 2),
            ["skipped_nonfinite"] = _state.SkippedNonFinite,
            ["world_size"] = _collective.WorldSize,
            ["time"] = Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, 3),
        };
        if (hashOk is { } ok) row["replica_hash_ok"] = ok;
        _lastRow = row;
        if (!IsLogger) return;
        CheckFence();
        var collapse = ObserveCollapse(step, row, checkpointDue);
        _metrics!.Write(row);
        MetricsRowWritten?.Invoke(row);
        if (_spec.SampleEvery > 0 && step % _spec.SampleEvery == 0) WriteSample(step);
        if (checkpointDue) Checkpoint(background: true);
        if (collapse != null) _collapseResponse?.AfterEvaluation(step, RestoreForRollback);
        if (collapse != null && _collapseResponse == null && _collapse!.Flag.Suspected && CollapseSuspected is { } report)
        {
            _checkpoints!.Flush(); // the coordinator chooses among committed checkpoints
            report(step, _collapse.Flag);
        }
    }

    /// <summary>
    /// Hands the generator to the collapse monitor when an evaluation is due, and adds any evaluation that finished
    /// to this step's metrics row. Before a checkpoint it waits for the evaluation in flight, so the checkpoint
    /// records the flag as of every evaluation up to its step (what a rollback chooses by).
    /// </summary>
    CollapseEvaluation? ObserveCollapse(long step, JsonObject row, bool checkpointDue)
    {
        if (_collapse == null) return null;
        if (_collapse.IsDue(step)) _collapse.Submit(step, _ema?.Model ?? _g); // the generator samples come from
        if (checkpointDue) _collapse.WaitIdle();
        return _collapse.Collect(step, row);
    }

    /// <summary>Rank 0 of an abandoned world must not write to the run directory (see <see cref="WorldFence"/>).</summary>
    void CheckFence()
    {
        if (_epoch == 0) return;
        if (!WorldFence.Admits(_layout.Root, _epoch, out long fence)) throw new WorldFencedException(_epoch, fence); // fails closed
    }

    /// <summary>Compares replica hashes across the world; a mismatch is an error event and stops the run.</summary>
    bool CheckReplicas(CancellationToken cancel)
    {
        string local = Snapshot().Hash();
        int mismatches = ReplicaCheck.CountMismatches(_collective, local, out string rank0, cancel);
        if (mismatches == 0) return true;
        _events?.Write(_state.Step, EventKind.ReplicaHashMismatch, new JsonObject
        {
            ["ranks_differing"] = mismatches,
            ["rank0_hash"] = rank0,
        });
        throw new ReplicaMismatchException(_state.Step, local, rank0);
    }

    void Finish(bool interrupted)
    {
        long step = _state.Step;
        if (!IsLogger) return;
        CheckFence();
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

    /// <summary>The replica's state as blobs (weights, optimizers, state.json, spec).</summary>
    public TrainerSnapshot Snapshot() => TrainerSnapshot.Capture(_g, _d, _optG, _optD,
        _state with { Plan = JsonNode.Parse(_plan.State.ToJson()) }, _specYaml, _ema?.Model, _lastRow?.ToJsonString());

    /// <summary>Replaces this replica's state with <paramref name="snapshot"/> (a checkpoint or a live peer's state).</summary>
    public void Restore(TrainerSnapshot snapshot)
    {
        snapshot.Restore(_g, _d, _optG, _optD, _ema?.Model);
        var saved = snapshot.ReadState();
        _state = saved with { Seed = _spec.Seed, WorldSize = _collective.WorldSize, Plan = null };
        _lastRow = snapshot.ReadLastRow() is { } row ? JsonNode.Parse(row) as JsonObject : null;
        _loader?.Seek(saved.Data);
        // The plan continues from its saved state (phase, alpha, policy states, pending decisions), re-derived
        // under this spec: with resume --force, changed learning rates or schedules take effect from here.
        _plan.Restore(saved.ReadPlan() ?? _plan.Plan.At(saved.Step, saved.ImagesSeen));
    }

    void Checkpoint(bool background)
    {
        if (!IsLogger) return;
        var snapshot = Snapshot();
        var info = new JsonObject { ["replica_hash"] = snapshot.Hash(), ["world_size"] = _collective.WorldSize };
        if (_collapse != null)
            info[CollapseCheckpointInfo.Key] = CollapseCheckpointInfo.ToJson(_collapse.Flag, _collapseResponse?.State ?? _clusterCollapse ?? CollapseResponseState.Initial);
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
        SampleWritten?.Invoke(step, _layout.SampleFile(step));
    }

    /// <summary>Resumes from the newest checkpoint that reads, verifies and loads; each one skipped is a warning and an event.</summary>
    void FindResumePoint()
    {
        var store = new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep);
        var found = store.FindNewestLoadable(LoadCheckpoint, w =>
        {
            _options.Log?.Invoke("warning: " + w);
            _skippedCheckpoints.Add(w);
        });
        if (found == null)
            _options.Log?.Invoke($"--resume: no valid checkpoint under {_layout.CheckpointsDir}; starting from step 0");
    }

    /// <summary>Loads a verified checkpoint into this replica; refuses it when training-defining spec fields differ (unless forced).</summary>
    bool LoadCheckpoint(VerifiedCheckpoint checkpoint)
    {
        var snapshot = TrainerSnapshot.FromVerified(checkpoint);
        var saved = RunSpecLoader.Parse(snapshot.ReadSpecYaml());
        var differences = SpecDiff.TrainingDifferences(saved, _spec);
        if (differences.Count > 0 && !_options.Force)
        {
            var problems = differences.Select(d => new SpecProblem(d.Path,
                $"{d.Before} (as in checkpoint {Path.GetFileName(checkpoint.Path)}; pass --force to resume anyway)", d.After)).ToList();
            throw new SpecException(problems, "--resume");
        }
        Restore(snapshot);
        _resumedManifest = checkpoint.Manifest;
        foreach (var d in differences) _options.Log?.Invoke($"--resume --force: {d.Path} changed from {d.Before} to {d.After}");
        _options.Log?.Invoke($"resuming from {checkpoint.Path}");
        return true;
    }

    /// <summary>The collapse response's rollback: this replica takes the checkpoint's state and the mitigated learning rates.</summary>
    void RestoreForRollback(TrainerSnapshot snapshot, CollapseAction.RollBack action)
    {
        Restore(snapshot);
        _lrScale = (action.LrGScale, action.LrDScale);
    }

    (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) CreateModels() =>
        _options.Models?.Invoke(_spec, _device) ?? GanModels.Create(_spec, _device);

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
        }, _device, classifier, _events, _options.Log, resumed == null ? null : CollapseCheckpointInfo.Flag(resumed),
            _layout.QualityReferenceFile, _spec.Data.Format == DataFormat.Embedded);
        if (!spec.Response.Enabled) return (monitor, null);
        if (_ownEventLog == null) return (monitor, null); // a cluster: the coordinator responds (see CollapseSuspected)
        if (_collective.WorldSize > 1)
        {
            _options.Log?.Invoke("warning: collapse.response: several ranks without a coordinator; this trainer only monitors");
            return (monitor, null);
        }
        var responder = new CollapseResponder(spec.Response, CollapseResponse.ResumeState(resumed, _layout.EventsFile));
        return (monitor, new CollapseResponse(responder, monitor, _checkpoints!, _layout, _metrics!, _ownEventLog, _options.Log));
    }

    void DataWarning(string message)
    {
        _options.Log?.Invoke("warning: " + message);
        if (IsLogger)
            _events?.Write(_state.Step, EventKind.DataWarning, new JsonObject { ["message"] = message, ["skipped_total"] = _data.Skipped });
    }

    static GeneratorEma? CreateEma(RunSpec spec, nn.Module<Tensor, Tensor> g, Device device)
    {
        if (spec.Model.Arch == ModelArch.Dcgan && spec.Optim.GEma > 0)
            return new GeneratorEma(g, GanModels.CreateGenerator(spec, device), spec.Optim.GEma);
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
        CloseRankZeroFiles();
        _loader?.Dispose();
        _step.Dispose();
        _sampleLatents.Dispose();
        _ema?.Dispose();
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
    }
}
