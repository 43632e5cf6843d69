using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Hosting;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Data;
using GanCluster.Training.Distributed;
using GanCluster.Cluster.Observability;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// One rank. Outside a world it registers with the coordinator every few seconds, saying which state it holds;
/// inside a world it runs the training loop on its own thread (tensors never touch the actor's dispatcher) and
/// relays the loop's reports. States: OutsideWorld -> InWorld -> (abort or failure) OutsideWorld ... -> Stopped.
/// The loop runs under this actor's supervision: a failure that is not the world's (a device error, repeated
/// non-finite steps) counts as a restart, retried with backoff up to cluster.max_restarts, then the trainer leaves.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    readonly TrainerSettings _settings;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly IActorRef _self; // the sender of what the loop thread reports (outside the actor, Sender would be nobody)
    readonly string _specHash;
    readonly string _checkpointsDir;
    GanTrainer? _trainer;
    CancellationTokenSource? _abort;
    CancellationTokenSource? _stop;
    Task? _loopTask;
    long _epoch;
    long _lastEpoch;
    int _rank;
    long _latestStep = -1; // written by the loop thread, read by the heartbeat
    TrainerFinished? _finished; // this world's end report, repeated with every heartbeat (a coordinator may die meanwhile)
    int _restarts;
    (long Step, string? Hash) _held = (-1, null);

    // Messages from the loop thread to the actor.
    sealed record LoopEnded(long Epoch, long Step, string Hash, bool Finished);
    sealed record LoopFailed(long Epoch, long Step, string? Hash, string Reason, FailureKind Kind, int? SuspectRank);
    sealed record RegisterNow;
    sealed record Heartbeat;

    enum FailureKind { World, Trainer, Fatal }

    public TrainerActor(TrainerSettings settings)
    {
        _settings = settings;
        _specHash = SpecDiff.Hash(settings.Spec);
        _checkpointsDir = new RunLayout(settings.RunDir).CheckpointsDir;
        _self = Self;
        OutsideWorld();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TrainerSettings settings) => Akka.Actor.Props.Create(() => new TrainerActor(settings));

    protected override void PreStart() => StartRegistering(TimeSpan.Zero);

    // Every control message passes the policy before any handler (docs/security.md): a trainer hears only the run's
    // coordinator, and a world's resume checkpoint must be one of the run's checkpoints.
    protected override bool AroundReceive(Receive receive, object message) =>
        message is not IControlMessage control || ControlGate.AdmitsAtTrainer(control, Sender, Context.System, _checkpointsDir, _log)
            ? base.AroundReceive(receive, message)
            : true;

    // ---- OutsideWorld: register (again) every few seconds until a world includes this trainer.
    void OutsideWorld()
    {
        Receive<RegisterNow>(_ => Register());
        Receive<Heartbeat>(_ => { });
        Receive<RegistrationAccepted>(_ => { });
        Receive<RegistrationRefused>(r => Refused(r.Reason));
        Receive<WorldFormed>(StartWorld);
        Receive<AbortWorld>(_ => { });
        Receive<LoopEnded>(_ => { });
        Receive<LoopFailed>(_ => { });
        Receive<StopTraining>(Stop);
    }

    // ---- InWorld: the loop trains in world _epoch.
    void InWorld()
    {
        Receive<RegisterNow>(_ => { });
        // Every few seconds, whatever the step time: how a restarted coordinator finds the members of a running world.
        Receive<Heartbeat>(_ =>
        {
            if (_finished is { } done) { _settings.Coordinator.Tell(done); return; } // until the coordinator ends the run
            long step = Interlocked.Read(ref _latestStep);
            if (step >= 0)
                _settings.Coordinator.Tell(new TrainerProgress(ControlProtocol.Version, _settings.TrainerId, _epoch, _rank, step, 0, 0,
                    double.NaN, double.NaN, IsHeartbeat: true));
        });
        Receive<RegistrationAccepted>(_ => { });
        Receive<WorldFormed>(w => { if (w.Epoch > _epoch) StartWorld(w); });
        Receive<AbortWorld>(a =>
        {
            if (a.Epoch != _epoch) return;
            if (a.Fenced)
            {
                // The cluster gave this trainer up (it was paused or cut off) and moved on without it: its state is
                // stale and its membership suspect. Leave, and let the supervisor start a new member, which gets
                // the state from a live peer.
                Note($"fenced out of world {a.Epoch} ({a.Reason}); leaving to rejoin as a new member");
                _abort?.Cancel();
                Timers.Cancel("heartbeat");
                Become(Stopped);
                _settings.Stopped(ClusterNodeHost.RemovedFromClusterExitCode);
                return;
            }
            Note($"world {a.Epoch} aborted: {a.Reason}");
            _abort?.Cancel(); // the loop undoes the step in flight and ends with LoopFailed(World)
        });
        Receive<LoopEnded>(e =>
        {
            if (e.Epoch != _epoch) return;
            _held = (e.Step, e.Hash);
            if (e.Finished)
            {
                _finished = new TrainerFinished(ControlProtocol.Version, _settings.TrainerId, e.Epoch, e.Step, e.Hash);
                _settings.Coordinator.Tell(_finished);
            }
            else LeaveWorld(TimeSpan.Zero); // stopped on request before the end
        });
        Receive<LoopFailed>(f =>
        {
            if (f.Epoch != _epoch) return;
            _held = (f.Step, f.Hash);
            Note($"training stopped at step {f.Step}: {f.Reason}");
            _settings.Coordinator.Tell(new TrainerFailed(ControlProtocol.Version, _settings.TrainerId, f.Epoch, f.Step, f.Reason,
                f.Kind == FailureKind.Fatal, f.SuspectRank));
            switch (f.Kind)
            {
                case FailureKind.Fatal:
                    Become(Stopped);
                    _settings.Stopped(2);
                    break;
                case FailureKind.Trainer when _restarts >= _settings.Spec.Cluster.MaxRestarts:
                    Note($"giving up after {_restarts} restart(s)");
                    _settings.Coordinator.Tell(new TrainerLeaving(ControlProtocol.Version, _settings.TrainerId, f.Reason));
                    Become(Stopped);
                    _settings.Stopped(1);
                    break;
                case FailureKind.Trainer:
                    _restarts++;
                    var backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, _restarts - 1)));
                    Forward(EventKind.TrainerRestarted, f.Step, new JsonObject
                    {
                        ["trainer"] = _settings.TrainerId, ["restart"] = _restarts, ["backoff_seconds"] = backoff.TotalSeconds, ["reason"] = f.Reason,
                    });
                    LeaveWorld(backoff);
                    break;
                default:
                    LeaveWorld(TimeSpan.Zero);
                    break;
            }
        });
        Receive<StopTraining>(Stop);
    }

    void Stopped() => ReceiveAny(_ => { });

    void StartRegistering(TimeSpan delay)
    {
        Timers.StartPeriodicTimer("register", new RegisterNow(), delay, TimeSpan.FromSeconds(2));
    }

    void Register() => _settings.Coordinator.Tell(new RegisterTrainer(ControlProtocol.Version, _settings.TrainerId,
        _settings.Device, _settings.DataPlane.Host, _settings.DataPlane.Port, _specHash, _settings.SoftwareVersion,
        _held.Step, _held.Hash, _lastEpoch, _restarts, _settings.RankHint));

    void LeaveWorld(TimeSpan backoff)
    {
        Timers.Cancel("heartbeat");
        _loopTask = null;
        Become(OutsideWorld);
        StartRegistering(backoff);
    }

    void StartWorld(WorldFormed world)
    {
        var me = world.Members.FirstOrDefault(m => m.TrainerId == _settings.TrainerId);
        if (me == null) return; // not part of this world: stay a standby
        Timers.Cancel("register");
        AbortLoop();
        _finished = null;
        _epoch = _lastEpoch = world.Epoch;
        _rank = me.Rank;
        _settings.Metrics?.SetRank(me.Rank, world.Members.Count, world.Epoch);
        Timers.StartPeriodicTimer("heartbeat", new Heartbeat(), TimeSpan.FromSeconds(2));
        _settings.DataPlane.Fence(world.Epoch);
        var self = Self;
        _abort = new CancellationTokenSource();
        _stop = new CancellationTokenSource();
        var (abort, stop) = (_abort.Token, _stop.Token);
        Note($"world {world.Epoch}: rank {me.Rank} of {world.Members.Count}, from step {world.StartStep}" +
             (world.NeedState?.Contains(me.Rank) == true ? $" (state from rank {world.SourceRank})" : ""));
        _loopTask = Task.Factory.StartNew(() => RunLoop(world, me.Rank, self, stop, abort), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Become(InWorld);
    }

    /// <summary>The training loop (its own thread): join the world, sync state if told to, train to the end.</summary>
    void RunLoop(WorldFormed world, int rank, IActorRef self, CancellationToken stop, CancellationToken abort)
    {
        try
        {
            var collective = _settings.DataPlane.Join(world, rank, abort);
            bool receives = world.NeedState?.Contains(rank) == true;
            _trainer ??= CreateTrainer(receives ? null : world.ResumeCheckpoint);
            SyncState(world, rank, receives, abort);
            _trainer.BindWorld(collective, world.Epoch);
            // The coordinator owns the collapse response: its state (learning-rate scales) holds from this world's
            // first step on every replica, and rank 0 asks it what to do while collapse is suspected.
            _trainer.SetCollapseState(CollapseResponseState.FromJson(world.CollapseStateJson is { } json ? JsonNode.Parse(json) : null));
            _trainer.CollapseSuspected = (step, flag) => AskCollapse(world.Epoch, step, flag, stop, abort);
            var state = _trainer.Run(stop, abort);
            self.Tell(new LoopEnded(world.Epoch, state.Step, _trainer.Snapshot().Hash(), Finished: _trainer.Finished));
        }
        catch (Exception e)
        {
            var kind = abort.IsCancellationRequested || _settings.DataPlane.IsWorldFailure(e) || e is WorldFencedException ? FailureKind.World
                : e is SpecException or DataException or ReplicaMismatchException ? FailureKind.Fatal
                : FailureKind.Trainer;
            string? hash = null;
            try { hash = _trainer?.Snapshot().Hash(); }
            catch (Exception) { } // a broken device may not even serialise
            self.Tell(new LoopFailed(world.Epoch, _trainer?.State.Step ?? -1, hash, $"{e.GetType().Name}: {e.Message}", kind,
                _settings.DataPlane.SuspectRank(e)));
        }
    }

    GanTrainer CreateTrainer(string? resumeCheckpoint)
    {
        var trainer = new GanTrainer(new TrainerOptions
        {
            Spec = _settings.Spec,
            RunDir = _settings.RunDir,
            ResumeCheckpoint = resumeCheckpoint,
            Force = _settings.Force,
            Device = _settings.Device,
            Events = new ForwardingEventSink(_settings.Coordinator, _self),
            Log = _settings.Log,
        });
        if (_settings.Metrics is { } metrics) TrainerTelemetry.Attach(trainer, metrics);
        _settings.TrainerCreated?.Invoke(trainer);
        trainer.StepCompleted += report =>
        {
            Interlocked.Exchange(ref _latestStep, report.Stats.Step);
            // Every progress_every steps, and the first step of each world (the coordinator times recoveries by it).
            if (report.Stats.Step % _settings.Spec.Cluster.ProgressEvery != 0 && report.Stats.Step != report.TotalSteps
                && report.StepsThisSession != 1) return;
            _settings.Coordinator.Tell(new TrainerProgress(ControlProtocol.Version, _settings.TrainerId, _epoch,
                trainer.Collective.Rank, report.Stats.Step, report.TotalSteps, report.ImagesPerSecond, report.Stats.LossD, report.Stats.LossG), _self);
        };
        return trainer;
    }

    /// <summary>Makes this replica the world's start state: from the source rank's memory, or from the checkpoint.</summary>
    void SyncState(WorldFormed world, int rank, bool receives, CancellationToken abort)
    {
        var trainer = _trainer!;
        if (world.SourceRank is int source && world.NeedState is { Count: > 0 } needy)
        {
            var clock = Stopwatch.StartNew();
            if (rank == source)
            {
                byte[] state = trainer.Snapshot().ToBytes();
                Parallel.ForEach(needy, r => _settings.DataPlane.SendState(world, source, r, state, abort));
                Note($"sent state of step {trainer.State.Step} ({state.Length / 1e6:F1} MB) to rank(s) {string.Join(",", needy)} in {clock.Elapsed.TotalSeconds:F2} s");
            }
            else if (receives)
            {
                byte[] state = _settings.DataPlane.ReceiveState(world, rank, source, abort);
                trainer.Restore(TrainerSnapshot.FromTransfer(state, world.SourceHash)); // exactly the source's state, or refused
                Forward(EventKind.StateTransfer, world.StartStep, new JsonObject
                {
                    ["trainer"] = _settings.TrainerId, ["from_rank"] = source, ["to_rank"] = rank, ["epoch"] = world.Epoch,
                    ["bytes"] = state.Length, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 4),
                });
            }
        }
        else if (world.ResumeCheckpoint != null && (trainer.State.Step != world.StartStep || receives))
        {
            trainer.RestoreCheckpoint(world.ResumeCheckpoint); // also a collapse rollback: every rank is told to load it
        }
        if (trainer.State.Step != world.StartStep)
            throw new InvalidOperationException($"replica holds step {trainer.State.Step}, the world starts at {world.StartStep}");
    }

    /// <summary>
    /// Rank 0's collapse flag is set: report it and wait for the coordinator's decision. A rollback or stop ends this
    /// world; wait for the abort or stop to arrive so that no further step (or checkpoint) is taken meanwhile.
    /// </summary>
    void AskCollapse(long epoch, long step, CollapseFlagState flag, CancellationToken stop, CancellationToken abort)
    {
        CollapseDecision decision;
        try
        {
            decision = _settings.Coordinator.Ask<CollapseDecision>(
                new CollapseReport(ControlProtocol.Version, _settings.TrainerId, epoch, step, flag.ToJson().ToJsonString()),
                TimeSpan.FromSeconds(30), abort).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            if (abort.IsCancellationRequested) return; // the loop's next abort check ends the world
            Note($"warning: no collapse decision from the coordinator for step {step}; training on");
            return;
        }
        if (decision.Action == CollapseDecision.Continue) return;
        Note($"collapse response at step {step}: {decision.Action} ({decision.Reason})");
        WaitHandle.WaitAny([abort.WaitHandle, stop.WaitHandle], TimeSpan.FromSeconds(30));
    }

    void Forward(string kind, long step, JsonObject details) =>
        _settings.Coordinator.Tell(new RunEventReport(ControlProtocol.Version, step, kind, details.ToJsonString()), _self);

    void Refused(string reason)
    {
        Timers.Cancel("register");
        Note($"the coordinator refused this trainer: {reason}");
        Become(Stopped);
        _settings.Stopped(2);
    }

    /// <summary>Ends the run for this trainer: a clean stop (voted, so the world stops after one step) when it trains.</summary>
    void Stop(StopTraining stop)
    {
        Timers.Cancel("register");
        _stop?.Cancel();
        if (_loopTask != null && !_loopTask.Wait(TimeSpan.FromSeconds(30))) AbortLoop();
        Note(stop.Failed ? $"stopping: {stop.Reason}" : $"run over: {stop.Reason}");
        Become(Stopped);
        _settings.Stopped(stop.ExitCode);
    }

    void AbortLoop()
    {
        _abort?.Cancel();
        try { _loopTask?.Wait(TimeSpan.FromSeconds(30)); }
        catch (AggregateException) { }
        _loopTask = null;
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log($"[{_settings.TrainerId}] {line}");
    }

    protected override void PostStop()
    {
        AbortLoop();
        _trainer?.Dispose();
    }
}
