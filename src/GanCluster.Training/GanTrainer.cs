using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.Parallel;
using GanCluster.Core.Planning;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;
using GanCluster.Training.Augment;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using GanCluster.Training.Distributed;
using GanCluster.Training.Losses;
using GanCluster.Training.Memory;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Progressive;
using GanCluster.Training.Planning;
using GanCluster.Training.Recording;
using GanCluster.Training.Steps;
using GanCluster.Training.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training;

/// <summary>
/// One replica's training loop over named components (torchtitan's Trainer habit):
/// <list type="bullet">
/// <item>built from the spec: the data, G and D (and G's EMA), two Adam optimizers, the step (<see cref="GanStep"/>)
/// and the plan (progressive schedule and learning-rate policies, <see cref="PlanExecutor"/>);</item>
/// <item>around the loop: the <see cref="RunRecorder"/> (metrics rows, events, samples, the fence), the checkpoint
/// store and writer, the resume loader (<see cref="ResumeLoader"/>), the collapse monitor, and the
/// <see cref="CollapseSupervisor"/> (the collapse response and the learning-rate scales it implies);</item>
/// <item>the world it trains in (<see cref="BindWorld"/>) and the run state (<see cref="TrainState"/>).</item>
/// </list>
/// The <see cref="RunMode"/> says what this trainer owns: in a single process it prepares the run directory, writes
/// events.jsonl and answers collapse itself; as a cluster rank the coordinator does those. Every rank trains; only
/// the current world's rank 0 writes the run directory.
/// </summary>
public sealed class GanTrainer : IDisposable
{
    // Configuration
    readonly RunSpec _spec;
    readonly string _specYaml;
    readonly string _specHash;
    readonly RunLayout _layout;
    readonly TrainerOptions _options;
    readonly RunMode _mode;
    readonly Device _device;

    // Components built from the spec
    readonly ImageSource _data;
    readonly nn.Module<Tensor, Tensor> _g;
    readonly nn.Module<Tensor, Tensor> _d;
    readonly GeneratorEma? _ema;
    readonly Adam _optG;
    readonly Adam _optD;
    readonly GanStep _step;
    readonly DiscriminatorRegime _regime; // augmentation (ADA's p) and R1, raised by a collapse rescue
    readonly PlanExecutor _plan;

    // Components around the loop
    readonly RunRecorder _recorder;
    readonly CheckpointStore _store;
    readonly CollapseSupervisor _supervisor;
    CheckpointWriter? _checkpoints;       // rank 0
    CollapseMonitor? _collapse;           // rank 0 with collapse.enabled; off the hot path
    bool _respondsToCollapse;             // a single process in a world of one with collapse.response.enabled
    CheckpointManifest? _resumedManifest; // carries the collapse state of the checkpoint this replica continues from
    readonly List<string> _skippedCheckpoints = []; // why resume skipped them; events once rank 0's event log is open

    // The world (changes when members join or leave)
    ICollective _collective = SingleProcessCollective.Instance;
    string? _startHash; // the current world's start state as announced by the coordinator (BindWorld)
    BatchLoader? _loader;
    int _perRankBatch;

    // Run state
    TrainState _state;

    public GanTrainer(TrainerOptions options)
    {
        _options = options;
        _spec = options.Spec;
        _mode = options.Mode;
        _specYaml = SpecEmitter.ToYaml(_spec);
        _specHash = SpecDiff.Hash(_spec);
        _layout = new RunLayout(options.RunDir);
        _device = Devices.Parse(options.Device);
        if (_spec.Threads > 0) set_num_threads(_spec.Threads);

        var plan = new TrainingPlan(_spec);
        _data = ImageSources.Open(_spec.Data, _spec.Model);
        (_g, _d) = CreateModels();
        _ema = CreateEma(_spec, _g, _device);
        MemoryEstimate = MemoryPlanner.Plan(_spec, _g, _d, _ema?.Model, options.Log);
        _optG = new SafeAdam(_g.parameters(), _spec.Optim.LrG, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _optD = new SafeAdam(_d.parameters(), _spec.Optim.LrD, _spec.Optim.Beta1, _spec.Optim.Beta2);
        _step = new GanStep(_g, _d, _spec.Model.Nz, GanLosses.Create(_spec.Loss), _optG, _optD, _device, _spec.Accumulate);
        _regime = new DiscriminatorRegime(_spec);
        _recorder = new RunRecorder(_layout, _mode, _spec, _g, _ema?.Model, options.SampleCount, _device, options.Log);
        _plan = new PlanExecutor(plan, _g, _d, _ema, _optG, _optD, _step, () => _recorder.Events);
        _store = CheckpointStore.ForRun(_layout, _spec.Checkpoint);
        _supervisor = new CollapseSupervisor(_spec.Collapse.Response, rescuesInPlace: true);
        _state = new TrainState { Seed = _spec.Seed };

        // Loaded into the replica from the bytes verified (all or nothing), so a checkpoint that does not load is
        // skipped like a corrupt one.
        var resumed = options.ResumeCheckpoint is { } chosen ? ResumeLoader.LoadChosen(chosen, _spec, options.Force, options.Log, RestoreVerified)
            : options.Resume ? ResumeLoader.LoadNewest(_store, _spec, options.Force, options.Log, RestoreVerified, _skippedCheckpoints.Add) : null;
        _resumedManifest = resumed?.Manifest;
        // A single process trains in its world from the start; a cluster rank waits outside any world for BindWorld
        // (binding a world of one there would make it rank 0 of nothing and rewrite the run's logs).
        var firstWorld = _mode is RunMode.SingleProcess single ? single.World ?? SingleProcessCollective.Instance : null;
        if (firstWorld?.Rank == 0) RunDirectory.Prepare(_layout, _specYaml, resume: options.Resume, _spec.Checkpoint);
        if (firstWorld != null) BindWorld(firstWorld);
        foreach (var warning in _data.Warnings) DataWarning(warning);
        _data.Warning += DataWarning;
    }

    /// <summary>Raised after every step on every rank.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised on rank 0 after each metrics.jsonl row is written (it carries the collapse monitor's figures when one finished).</summary>
    public event Action<MetricsRow>? MetricsRowWritten
    {
        add => _recorder.RowWritten += value;
        remove => _recorder.RowWritten -= value;
    }

    /// <summary>Raised on rank 0 after a sample grid was written: the step and the PNG file (samples/step-NNNNNN.png).</summary>
    public event Action<long, string>? SampleWritten
    {
        add => _recorder.SampleWritten += value;
        remove => _recorder.SampleWritten -= value;
    }

    public RunSpec Spec => _spec;

    public TrainState State => _state;

    public ImageSource Data => _data;

    /// <summary>What this run should need at its largest stage (logged at start; a run that cannot fit was refused).</summary>
    public MemoryEstimate MemoryEstimate { get; }

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

    /// <summary>Why the collapse response stopped the run (null when it did not): the CLI prints it and exits 1.</summary>
    public string? StopReason => _supervisor.StopReason;

    /// <summary>The collapse monitor (rank 0 with collapse.enabled), for telemetry to subscribe to.</summary>
    public CollapseMonitor? CollapseMonitor => _collapse;

    /// <summary>
    /// Enters a (new) world: this rank's data shard continues from the global data position, and the rank-0
    /// duties (metrics, events, checkpoints, samples, the collapse monitor) move to whoever is rank 0 now; a rank 0
    /// that stays rank 0 keeps its collapse monitor's history. <paramref name="epoch"/>: the world's epoch in a
    /// cluster (0 in a single process: no fence to respect).
    /// </summary>
    /// <param name="startHash">the world's start state as the coordinator announced it (null: none, compare over the data plane)</param>
    public void BindWorld(ICollective collective, long epoch = 0, string? startHash = null)
    {
        _collective = collective;
        _startHash = startHash;
        _state = _state with { WorldSize = collective.WorldSize };
        _loader?.Dispose();
        CheckBatchesFit(_plan.Plan, _data.Count, collective.WorldSize * _spec.Accumulate);
        _perRankBatch = PerRankBatch(_spec, _plan.State.Next.BatchSize, collective.WorldSize);
        var sampler = new ShardedSampler(_data.Count, _spec.Seed, collective.Rank, collective.WorldSize, _perRankBatch, _spec.Accumulate);
        _loader = new BatchLoader(_data, sampler, _spec.Data.Workers, _spec.Data.Prefetch);
        _loader.Seek(_state.Data);

        bool rankZero = collective.Rank == 0;
        if (!rankZero)
        {
            _collapse?.Dispose();
            (_collapse, _respondsToCollapse) = (null, false);
        }
        _checkpoints?.Dispose(); // its last commit event goes out before the logs close
        _checkpoints = null;
        _recorder.Bind(epoch, rankZero, _state.Step);
        if (!rankZero) return;
        // The fence is checked again, under its lock, when a commit is published.
        _checkpoints = new CheckpointWriter(_store, _recorder.Events, FenceGuard.For(_recorder.Fence, epoch));
        _checkpoints.Committed += (_, _, _) => _recorder.UploadLogs(); // the logs follow each checkpoint to the bucket
        foreach (var warning in _skippedCheckpoints) _recorder.Event(_state.Step, new CheckpointSkippedEvent(warning));
        _skippedCheckpoints.Clear();
        if (_spec.Collapse.Enabled && _collapse == null)
        {
            _collapse = CreateCollapseMonitor();
            _respondsToCollapse = RespondsToCollapseHere();
        }
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
        _recorder.Event(_state.Step, new RunStartedEvent(Resumed: startStep != 0, _spec.Steps, TotalSteps, _collective.WorldSize,
            _data.Description, _device.ToString(), _specHash));
        if (_collective.WorldSize > 1) CheckReplicas(abort, _startHash); // same start, proven before the first step
        while (!_plan.Finished && StopReason == null)
        {
            abort.ThrowIfCancellationRequested();
            if (_collective.WorldSize == 1 && stop.IsCancellationRequested) { stopped = true; break; }
            var stepClock = Stopwatch.StartNew();
            long step = _state.Step + 1;
            using var stepSpan = GanActivities.Source.StartActivity(GanActivities.Step)?.SetTag("gancluster.step", step);

            // The plan's learning rates, times the collapse response's scales (1 until a rollback).
            var plan = _plan.Begin(_supervisor.State.LrGScale, _supervisor.State.LrDScale);
            if (plan.Step != step) throw new InvalidOperationException($"the plan is for step {plan.Step}, the trainer is at step {step}");
            _perRankBatch = PerRankBatch(_spec, plan.BatchSize, _collective.WorldSize);
            _loader!.BatchSize = _perRankBatch;
            _loader.Resolution = plan.Resolution; // a progressive run decodes at the stage's resolution
            if (_regime.Configure(_step, _supervisor.State) is { } raised) _recorder.Event(step, raised);
            StepStats stats;
            using (NewDisposeScope())
                stats = _step.Run(_plan.Reals(_loader.Next()), step, _spec.Seed, _collective, plan.UpdateD,
                    voteStop: stop.IsCancellationRequested, abort);
            if (stats.GUpdated) _ema?.Update();
            _plan.End(stats, _collective.WorldSize);

            long images = (long)_perRankBatch * _spec.Accumulate * _collective.WorldSize;
            if (_regime.Advance(_step, stats, images) is { } moved) _recorder.Event(step + 1, moved); // p of the next step
            _state = _state with
            {
                Step = step,
                Data = _loader.Position,
                ImagesSeen = _state.ImagesSeen + images,
                SkippedNonFiniteD = _state.SkippedNonFiniteD + (stats.DUpdated || stats.DSkippedByPolicy ? 0 : 1),
                SkippedNonFiniteG = _state.SkippedNonFiniteG + (stats.GUpdated ? 0 : 1),
            };
            double rate = images / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            AfterStep(stats, plan, imagesPerSecond, abort);
            StepCompleted?.Invoke(new StepReport(stats, TotalSteps, imagesPerSecond, plan.LrD, plan.LrG,
                _state.SkippedNonFinite, clock.Elapsed) { StepsThisSession = step - startStep, Plan = plan, Progressive = _plan.Plan.Schedule.IsProgressive,
                StepSeconds = stepClock.Elapsed.TotalSeconds, DataWaitSeconds = _loader.LastWaitSeconds, ImagesThisStep = images });
            if (stats.StopVotes > 0) { stopped = true; break; }
        }
        Finish(stopped);
        return _state;
    }

    /// <summary>
    /// After every step: the replica check when due; then rank 0 checks the fence, collects the collapse monitor,
    /// writes the metrics row, a sample and a checkpoint when due, and answers a collapse flag.
    /// </summary>
    void AfterStep(StepStats stats, StepPlan plan, double imagesPerSecond, CancellationToken cancel)
    {
        long step = stats.Step;
        bool checkpointDue = _spec.Checkpoint.Every > 0 && step % _spec.Checkpoint.Every == 0;
        bool? hashOk = _collective.WorldSize > 1 && _spec.Cluster.HashEvery > 0 && step % _spec.Cluster.HashEvery == 0
            ? CheckReplicas(cancel) : null;
        if (stats.AnyNonFinite)
            _recorder.Event(step, new NonFiniteSkippedEvent(D: !stats.DUpdated && !stats.DSkippedByPolicy, G: !stats.GUpdated, stats.LossD, stats.LossG));
        var row = MetricsRows.Of(stats, plan, _state, _perRankBatch * _spec.Accumulate, _collective.WorldSize, imagesPerSecond, _loader!.LastWaitSeconds, hashOk);
        _recorder.Keep(row); // for whoever is rank 0 of the next world, should this world end before the row is written
        if (!_recorder.IsRankZero) return;
        _recorder.CheckFence();
        var evaluation = ObserveCollapse(step, checkpointDue);
        _recorder.Write(evaluation == null ? row : row with { Collapse = _collapse!.RowFields(evaluation) });
        if (_spec.SampleEvery > 0 && step % _spec.SampleEvery == 0) _recorder.Sample(step);
        if (checkpointDue) Checkpoint(background: true);
        if (evaluation != null && _collapse!.Flag.Suspected) RespondToCollapse(step, _collapse.Flag);
    }

    /// <summary>
    /// Hands the generator to the collapse monitor when an evaluation is due, and returns any evaluation that finished
    /// (it goes into this step's metrics row). Before a checkpoint it waits for the evaluation in flight, so the
    /// checkpoint records the flag as of every evaluation up to its step (what a rollback chooses by).
    /// </summary>
    CollapseEvaluation? ObserveCollapse(long step, bool checkpointDue)
    {
        if (_collapse == null) return null;
        if (_collapse.IsDue(step)) _collapse.Submit(step, _ema?.Model ?? _g); // the generator samples come from
        if (checkpointDue) _collapse.WaitIdle();
        return _collapse.Collect(step);
    }

    /// <summary>
    /// Collapse is suspected after the evaluation that just landed; a response chooses among committed checkpoints,
    /// so the writes in flight finish first. In a single process the supervisor decides here: a rollback happens at
    /// once, a stop ends the loop (<see cref="StopReason"/>). In a cluster rank 0 reports the flag to the coordinator,
    /// whose supervisor decides (<see cref="CollapseSuspected"/>).
    /// </summary>
    void RespondToCollapse(long step, CollapseFlagState flag)
    {
        if (_respondsToCollapse)
        {
            _checkpoints!.Flush();
            switch (_supervisor.Decide(step, flag, _store))
            {
                case CollapseAction.RollBack back:
                    RollBack(back, flag);
                    break;
                case CollapseAction.Rescue rescue: // in place: the regime applies the new floors from the next step
                    _recorder.Event(step, _supervisor.RescueEvent(rescue, flag));
                    _options.Log?.Invoke("collapse response: " + rescue.Reason);
                    break;
                case CollapseAction.Stop stop:
                    _options.Log?.Invoke("collapse response: " + stop.Reason); // Finish ends the run with collapse_stopped
                    break;
                case CollapseAction.Continue { Reason: { } why }:
                    _options.Log?.Invoke("collapse response: " + why);
                    break;
            }
        }
        else if (_mode is RunMode.ClusterRank && CollapseSuspected is { } report)
        {
            _checkpoints!.Flush();
            report(step, flag);
        }
    }

    /// <summary>
    /// A rollback in this process: the replica takes the checkpoint's state (weights, optimizers, data position, step;
    /// the supervisor's new learning-rate scales apply from the next step), the newer checkpoints go, the abandoned log
    /// lines move to rollbacks/N/, and the monitor takes the checkpoint's flag.
    /// </summary>
    void RollBack(CollapseAction.RollBack action, CollapseFlagState flag)
    {
        // The chosen checkpoint, read once and verified; should it not load after all, the newest older one that does.
        var skipped = new List<string>();
        var found = _store.FindNewestLoadable(c =>
        {
            RestoreVerified(c);
            return c.Manifest;
        }, w =>
        {
            _options.Log?.Invoke("warning: collapse rollback: " + w);
            skipped.Add(w);
        }, atOrBefore: action.ToStep);
        if (found is not { Loaded: var manifest, Checkpoint.Step: var loadedStep })
            throw new InvalidDataException($"collapse rollback: no checkpoint at or before step {action.ToStep} loads");
        action = action with { ToStep = loadedStep };
        var dropped = _checkpoints!.DropAfter(action.ToStep);
        _collapse!.Reset(CollapseCheckpointInfo.Flag(manifest));
        _recorder.RecordRollback(_supervisor, action, flag, dropped);
        foreach (var warning in skipped) _recorder.Event(action.ToStep, new CheckpointSkippedEvent(warning)); // after the archive: they stay
        _options.Log?.Invoke("collapse response: " + action.Reason);
    }

    /// <summary>Rank 0 ends the run: the last evaluation, sample and checkpoint, then run_finished, run_interrupted or collapse_stopped.</summary>
    void Finish(bool interrupted)
    {
        long step = _state.Step;
        if (!_recorder.IsRankZero) return;
        _recorder.CheckFence();
        _collapse?.WaitIdle();
        var lastEvaluation = _collapse?.Collect(step); // one taken at the last step has no later row
        if (_spec.SampleEvery == 0 || step % _spec.SampleEvery != 0) _recorder.Sample(step);
        _checkpoints!.Flush();
        if (_checkpoints.LastCommittedStep != step) Checkpoint(background: false);
        _checkpoints.Flush();
        string ending = interrupted ? EventKind.RunInterrupted : StopReason != null ? EventKind.CollapseStopped : EventKind.RunFinished;
        _recorder.Event(step, new RunEndedEvent(ending, _state.SkippedNonFinite, _state.ImagesSeen, Snapshot().Hash(),
            _collapse?.Summary(lastEvaluation), StopReason, StopReason != null ? _supervisor.State.Rollbacks : null));
        _recorder.FlushLogs();
    }

    /// <summary>Compares replica hashes across the world; a mismatch is an error event and stops the run.</summary>
    /// <param name="announced">before a world's first step: the start hash the coordinator announced (a local comparison)</param>
    bool CheckReplicas(CancellationToken cancel, string? announced = null)
    {
        string local = Snapshot().Hash();
        int mismatches = ReplicaCheck.CountStartMismatches(_collective, local, announced, out string rank0, cancel);
        if (mismatches == 0) return true;
        _recorder.Event(_state.Step, new ReplicaHashMismatchEvent(mismatches, rank0));
        throw new ReplicaMismatchException(_state.Step, local, rank0);
    }

    // ---- The cluster's hooks (TrainerActor)

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
    public void SetCollapseState(CollapseResponseState state) => _supervisor.Adopt(state);

    /// <summary>
    /// Loads a checkpoint folder into this replica (a world formed from a checkpoint, e.g. a collapse rollback); a
    /// collapse monitor takes the checkpoint's flag state.
    /// </summary>
    public void RestoreCheckpoint(string path)
    {
        var checkpoint = CheckpointStore.Read(path); // one verified read: the manifest and the loaded bytes agree
        RestoreVerified(checkpoint);
        _resumedManifest = checkpoint.Manifest;
        _collapse?.Reset(CollapseCheckpointInfo.Flag(checkpoint.Manifest));
    }

    // ---- Snapshots and checkpoints

    /// <summary>The replica's state as blobs (weights, optimizers, state.json, spec).</summary>
    public TrainerSnapshot Snapshot() => TrainerSnapshot.Capture(_g, _d, _optG, _optD,
        _state with { Plan = JsonNode.Parse(_plan.State.ToJson()), Regime = _regime.ToJson() }, _specYaml, _ema?.Model, _recorder.LastRowJson);

    /// <summary>Replaces this replica's state with <paramref name="snapshot"/> (a checkpoint or a live peer's state).</summary>
    public void Restore(TrainerSnapshot snapshot)
    {
        snapshot.Restore(_g, _d, _optG, _optD, _ema?.Model);
        var saved = snapshot.ReadState();
        _state = saved with { Seed = _spec.Seed, WorldSize = _collective.WorldSize, Plan = null, Regime = null };
        _regime.Restore(saved.Regime);
        _recorder.RestoreLastRow(snapshot.ReadLastRow());
        _loader?.Seek(saved.Data);
        // The plan continues from its saved state (phase, alpha, policy states, pending decisions), re-derived
        // under this spec: with resume --force, changed learning rates or schedules take effect from here.
        _plan.Restore(saved.ReadPlan() ?? _plan.Plan.At(saved.Step, saved.ImagesSeen));
    }

    /// <summary>Replaces this replica's state with a checkpoint's, from exactly the bytes that were verified.</summary>
    void RestoreVerified(VerifiedCheckpoint checkpoint) => Restore(TrainerSnapshot.FromVerified(checkpoint));

    /// <summary>Rank 0 commits the replica as a checkpoint, with the collapse flag and response state in its manifest.</summary>
    void Checkpoint(bool background)
    {
        var snapshot = Snapshot();
        var info = new JsonObject { ["replica_hash"] = snapshot.Hash(), ["world_size"] = _collective.WorldSize };
        if (_collapse != null) info[CollapseCheckpointInfo.Key] = CollapseCheckpointInfo.ToJson(_collapse.Flag, _supervisor.State);
        if (background) _checkpoints!.Submit(_state.Step, _specHash, snapshot, info);
        else _checkpoints!.WriteNow(_state.Step, _specHash, snapshot, info);
    }

    // ---- Building the components

    (nn.Module<Tensor, Tensor> G, nn.Module<Tensor, Tensor> D) CreateModels() =>
        _options.Models?.Invoke(_spec, _device) ?? GanModels.Create(_spec, _device);

    static GeneratorEma? CreateEma(RunSpec spec, nn.Module<Tensor, Tensor> g, Device device)
    {
        if (spec.Model.Arch is ModelArch.Dcgan or ModelArch.Msg && spec.Optim.GEma > 0)
            return new GeneratorEma(g, GanModels.CreateGenerator(spec, device), spec.Optim.GEma);
        if (spec.Model.Arch != ModelArch.Progressive || spec.Progressive is not { GEma: > 0 } p) return null;
        var copy = new ProgressiveGenerator(spec.Model, p);
        copy.to(device);
        return new GeneratorEma(g, copy, p.GEma);
    }

    /// <summary>
    /// The collapse monitor (classifier: collapse.classifier, "auto" = the shipped MNIST one for the embedded data); a
    /// resumed replica continues the flag of its checkpoint.
    /// </summary>
    CollapseMonitor CreateCollapseMonitor()
    {
        var spec = _spec.Collapse;
        string? classifier = ClassifierFiles.Resolve(spec.Classifier, _spec.Data.Format == DataFormat.Embedded, "collapse.classifier");
        return new CollapseMonitor(spec, _data, _spec.Seed, _spec.Model.Nz, () =>
        {
            var (g, d) = CreateModels();
            d.Dispose();
            return g;
        }, _device, classifier, _recorder.Events, _options.Log, _resumedManifest == null ? null : CollapseCheckpointInfo.Flag(_resumedManifest),
            _layout.QualityReferenceFile, _spec.Data.Format == DataFormat.Embedded);
    }

    /// <summary>
    /// Whether this trainer answers collapse itself (collapse.response on, a single process in a world of one); it
    /// then continues the response state of the run it resumes (checkpoint and events.jsonl, the newer).
    /// </summary>
    bool RespondsToCollapseHere()
    {
        if (!_spec.Collapse.Response.Enabled || _mode is not RunMode.SingleProcess) return false; // a cluster: the coordinator responds
        if (_collective.WorldSize > 1)
        {
            _options.Log?.Invoke("warning: collapse.response: several ranks without a coordinator; this trainer only monitors");
            return false;
        }
        _supervisor.Adopt(CollapseSupervisor.ResumeState(_resumedManifest, _layout.EventsFile));
        return true;
    }

    void DataWarning(string message)
    {
        _options.Log?.Invoke("warning: " + message);
        _recorder.Event(_state.Step, new DataWarningEvent(message, _data.Skipped));
    }

    /// <summary>
    /// The batch each rank draws, given the plan's per-rank batch (batch_size, or the progressive table's entry),
    /// in a world of <paramref name="worldSize"/> (cluster.batch_rule).
    /// </summary>
    static int PerRankBatch(RunSpec spec, int planBatch, int worldSize) => spec.Cluster.BatchRule == BatchRule.KeepGlobal
        ? Math.Max(1, planBatch * spec.Cluster.Workers / worldSize)
        : planBatch;

    /// <summary>Every phase's global batch must fit in the dataset (checked up front, not at a growth step hours later).</summary>
    static void CheckBatchesFit(TrainingPlan plan, int count, int worldSize)
    {
        foreach (var phase in plan.Schedule.Phases)
            if ((long)phase.BatchSize * worldSize > count)
                throw new DataException($"the dataset has {count} images, fewer than one global batch at {phase.Resolution}x{phase.Resolution} " +
                                        $"({worldSize} x {phase.BatchSize}); lower the batch size or add images");
    }

    public void Dispose()
    {
        _data.Warning -= DataWarning;
        _collapse?.Dispose();
        _checkpoints?.Dispose();
        _recorder.Dispose();
        _loader?.Dispose();
        (_data as IDisposable)?.Dispose(); // an s3:// dataset's local cache, once the loader has stopped reading
        _step.Dispose();
        _ema?.Dispose();
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
    }
}
