using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Data;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;
using GanCluster.Training.Distributed;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// One rank. Outside a world it registers with the coordinator every few seconds (at once after leaving a world),
/// saying which state it holds; inside a world it runs the training loop on its own thread (tensors never touch the
/// actor's dispatcher) and relays the loop's reports. The actor never blocks: the loop's end arrives as a message.
/// States: OutsideWorld -> InWorld -> (abort, failure) OutsideWorld ... -> Stopping -> Stopped; Switching waits
/// for an old world's loop to end before a newer world starts.
/// The loop runs under this actor's supervision: a failure that is not the world's (a device error, repeated
/// non-finite steps) counts as a restart, retried with backoff up to cluster.max_restarts, then the trainer leaves.
/// A trainer that the coordinator counted as lost (fenced: it was paused or cut off) but is alive re-registers; its
/// state is stale, so the next world streams it the state from a live peer.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    readonly TrainerSettings _settings;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly IActorRef _self; // the sender of what the loop thread reports (outside the actor, Sender would be nobody)
    readonly string _specHash;
    readonly string _checkpointsDir;
    IRankReplica? _trainer; // the GAN, or a simulated replica (TrainerSettings.CreateReplica)
    CancellationTokenSource? _abort;
    CancellationTokenSource? _stop;
    Task? _loopTask;
    long _epoch;
    long _lastEpoch;
    int _rank;
    int _worldSize;
    long _latestStep = -1; // written by the loop thread, read by the heartbeat
    TrainerFinished? _finished; // this world's end report, repeated with every heartbeat (a coordinator may die meanwhile)
    StopTraining? _stopping;
    int _restarts;
    (long Step, string? Hash) _held = (-1, null);

    // Messages from the loop thread to the actor.
    sealed record LoopEnded(long Epoch, long Step, string Hash, bool Finished);
    sealed record LoopFailed(long Epoch, long Step, string? Hash, string Reason, FailureKind Kind, int? SuspectRank);
    sealed record RegisterNow;
    sealed record Heartbeat;
    sealed record StopGraceOver;

    enum FailureKind { World, Trainer, Fatal }

    public TrainerActor(TrainerSettings settings)
    {
        _settings = settings;
        _specHash = SpecDiff.Hash(settings.Spec);
        _checkpointsDir = Core.Storage.RunStorage.CheckpointsLocation(new RunLayout(settings.RunDir), settings.Spec.Checkpoint);
        _self = Self;
        OutsideWorld();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

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
        Receive<StopTraining>(s => Finish(s));
        Receive<StopGraceOver>(_ => { });
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
            if (step >= 0) _settings.Coordinator.Tell(Progress(step, 0, 0, double.NaN, double.NaN, heartbeat: true));
        });
        Receive<RegistrationAccepted>(_ => { });
        Receive<WorldFormed>(w =>
        {
            if (w.Epoch <= _epoch) return;
            // A newer world while this one still runs (its abort was lost): end this loop first, then start that one.
            Stash.Stash();
            _abort?.Cancel();
            Become(Switching);
        });
        Receive<AbortWorld>(a =>
        {
            if (a.Epoch != _epoch) return;
            Note(a.Fenced
                ? $"world {a.Epoch} went on without this trainer ({a.Reason}); rejoining, the state comes from a live peer"
                : $"world {a.Epoch} aborted: {a.Reason}");
            _abort?.Cancel(); // the loop undoes the step in flight and ends with LoopFailed(World)
        });
        Receive<LoopEnded>(e =>
        {
            if (e.Epoch != _epoch) return;
            _loopTask = null;
            _held = (e.Step, e.Hash);
            if (e.Finished)
            {
                _finished = new TrainerFinished(ControlProtocol.Version, _settings.TrainerId, e.Epoch, e.Step, e.Hash, _rank);
                _settings.Coordinator.Tell(_finished);
            }
            else LeaveWorld(TimeSpan.Zero); // stopped on request before the end
        });
        Receive<LoopFailed>(OnLoopFailed);
        Receive<StopTraining>(BeginStop);
        Receive<StopGraceOver>(_ => { });
    }

    /// <summary>Waiting for the old world's loop to end; the newer world's message is stashed meanwhile.</summary>
    void Switching()
    {
        Receive<LoopEnded>(e => LoopGone(e.Epoch, e.Step, e.Hash));
        Receive<LoopFailed>(f => LoopGone(f.Epoch, f.Step, f.Hash));
        Receive<StopTraining>(s => { Stash.ClearStash(); BeginStop(s); });
        ReceiveAny(_ => Stash.Stash());
    }

    void LoopGone(long epoch, long step, string? hash)
    {
        if (epoch != _epoch) return;
        _loopTask = null;
        _held = (step, hash);
        Timers.Cancel("heartbeat");
        Become(OutsideWorld);
        Stash.UnstashAll();
    }

    /// <summary>A stop was asked while the loop runs: it finishes the step (voted), rank 0 checkpoints, then the loop ends.</summary>
    void Stopping()
    {
        Receive<LoopEnded>(_ => Finish(_stopping!));
        Receive<LoopFailed>(_ => Finish(_stopping!));
        Receive<StopGraceOver>(_ =>
        {
            Note("the training loop did not stop in time; aborting it");
            _abort?.Cancel();
            Finish(_stopping!);
        });
        Receive<Heartbeat>(_ => { });
        ReceiveAny(_ => { });
    }

    void Stopped() => ReceiveAny(_ => { });

    void OnLoopFailed(LoopFailed f)
    {
        if (f.Epoch != _epoch) return;
        _loopTask = null;
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
                var backoff = TimeSpan.FromSeconds(Math.Min(_settings.Timings.MaxLoopRestartBackoff.TotalSeconds, Math.Pow(2, _restarts - 1)));
                Forward(f.Step, new TrainerRestartedEvent(_settings.TrainerId, _restarts, backoff.TotalSeconds, f.Reason));
                LeaveWorld(backoff);
                break;
            default:
                LeaveWorld(TimeSpan.Zero); // tell the coordinator at once what this replica holds
                break;
        }
    }

    TrainerProgress Progress(long step, long totalSteps, double imagesPerSecond, double lossD, double lossG, bool heartbeat) =>
        new(ControlProtocol.Version, _settings.TrainerId, _epoch, _rank, step, totalSteps, imagesPerSecond, lossD, lossG, heartbeat,
            _worldSize, _settings.DataPlane.Host, _settings.DataPlane.Port);

    void StartRegistering(TimeSpan delay)
    {
        Timers.StartPeriodicTimer("register", new RegisterNow(), delay, _settings.Timings.RegisterInterval);
    }

    void Register() => _settings.Coordinator.Tell(new RegisterTrainer(ControlProtocol.Version, _settings.TrainerId,
        _settings.Device, _settings.DataPlane.Host, _settings.DataPlane.Port, _specHash, _settings.SoftwareVersion,
        _held.Step, _held.Hash, _lastEpoch, _restarts, _settings.RankHint));

    void LeaveWorld(TimeSpan backoff)
    {
        Timers.Cancel("heartbeat");
        Become(OutsideWorld);
        StartRegistering(backoff);
    }

    void StartWorld(WorldFormed world)
    {
        var me = world.Members.FirstOrDefault(m => m.TrainerId == _settings.TrainerId);
        if (me == null || world.Epoch <= _epoch) return; // not part of this world (a standby), or an old one
        Timers.Cancel("register");
        _finished = null;
        _epoch = _lastEpoch = world.Epoch;
        _rank = me.Rank;
        _worldSize = world.Members.Count;
        Interlocked.Exchange(ref _latestStep, -1);
        _settings.Metrics?.SetRank(me.Rank, world.Members.Count, world.Epoch);
        Timers.StartPeriodicTimer("heartbeat", new Heartbeat(), _settings.Timings.TrainerHeartbeat);
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
            Note($"rank {rank} of world {world.Epoch} all-reduces over {collective}");
            bool receives = world.NeedState?.Contains(rank) == true;
            _trainer ??= CreateTrainer(receives ? null : world.ResumeCheckpoint);
            SyncState(world, rank, receives, abort);
            _trainer.BindWorld(collective, world, (step, flag) => AskCollapse(world.Epoch, step, flag, stop, abort));
            long step = _trainer.Run(stop, abort);
            self.Tell(new LoopEnded(world.Epoch, step, _trainer.Hash(), Finished: _trainer.Finished));
        }
        catch (Exception e)
        {
            var kind = abort.IsCancellationRequested || _settings.DataPlane.IsWorldFailure(e) || e is WorldFencedException ? FailureKind.World
                : e is SpecException or DataException or ReplicaMismatchException ? FailureKind.Fatal
                : FailureKind.Trainer;
            string? hash = null;
            try { hash = _trainer?.Hash(); }
            catch (Exception) { } // a broken device may not even serialise
            self.Tell(new LoopFailed(world.Epoch, _trainer?.Step ?? -1, hash, $"{e.GetType().Name}: {e.Message}", kind,
                _settings.DataPlane.SuspectRank(e)));
        }
    }

    IRankReplica CreateTrainer(string? resumeCheckpoint)
    {
        var trainer = _settings.CreateReplica(_settings, new ForwardingEventSink(_settings.Coordinator, _self), resumeCheckpoint);
        trainer.StepCompleted += report =>
        {
            Interlocked.Exchange(ref _latestStep, report.Step);
            // Every progress_every steps, and the first step of each world (the coordinator times recoveries by it).
            if (report.Step % _settings.Spec.Cluster.ProgressEvery != 0 && report.Step != report.TotalSteps
                && report.StepsThisSession != 1) return;
            _settings.Coordinator.Tell(Progress(report.Step, report.TotalSteps, report.ImagesPerSecond, report.LossD,
                report.LossG, heartbeat: false), _self);
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
                byte[] state = trainer.StateForTransfer();
                Parallel.ForEach(needy, r => _settings.DataPlane.SendState(world, source, r, state, abort));
                Note($"sent state of step {trainer.Step} ({state.Length / 1e6:F1} MB) to rank(s) {string.Join(",", needy)} in {clock.Elapsed.TotalSeconds:F2} s");
            }
            else if (receives)
            {
                byte[] state = _settings.DataPlane.ReceiveState(world, rank, source, abort);
                trainer.RestoreFromTransfer(state, world.SourceHash); // exactly the source's state, or refused
                Forward(world.StartStep, new StateTransferEvent(_settings.TrainerId, source, rank, world.Epoch, state.Length,
                    Math.Round(clock.Elapsed.TotalSeconds, 4)));
            }
        }
        else if (world.ResumeCheckpoint != null && (trainer.Step != world.StartStep || receives))
        {
            trainer.RestoreCheckpoint(world.ResumeCheckpoint); // also a collapse rollback: every rank is told to load it
        }
        if (trainer.Step != world.StartStep)
            throw new InvalidOperationException($"replica holds step {trainer.Step}, the world starts at {world.StartStep}");
    }

    /// <summary>
    /// Rank 0's collapse flag is set: report it and wait for the coordinator's decision (on the loop thread, which is
    /// meant to wait: the world must not run ahead of a rollback). A rollback or stop ends this world; wait for the
    /// abort or stop to arrive so that no further step (or checkpoint) is taken meanwhile.
    /// </summary>
    void AskCollapse(long epoch, long step, CollapseFlagState flag, CancellationToken stop, CancellationToken abort)
    {
        CollapseDecision decision;
        try
        {
            decision = _settings.Coordinator.Ask<CollapseDecision>(
                new CollapseReport(ControlProtocol.Version, _settings.TrainerId, epoch, step, flag.ToJson().ToJsonString()),
                _settings.Timings.CollapseDecisionTimeout, abort).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            if (abort.IsCancellationRequested) return; // the loop's next abort check ends the world
            Note($"warning: no collapse decision from the coordinator for step {step}; training on");
            return;
        }
        if (decision.Action == CollapseDecision.Continue) return;
        Note($"collapse response at step {step}: {decision.Action} ({decision.Reason})");
        WaitHandle.WaitAny([abort.WaitHandle, stop.WaitHandle], _settings.Timings.CollapseOutcomeWait);
    }

    void Forward(long step, RunEvent runEvent) => new ForwardingEventSink(_settings.Coordinator, _self).Write(step, runEvent);

    void Refused(string reason)
    {
        Timers.Cancel("register");
        Note($"the coordinator refused this trainer: {reason}");
        Become(Stopped);
        _settings.Stopped(2);
    }

    /// <summary>A stop while the loop runs: a clean stop (voted, so the world stops after one step), bounded by the stop grace.</summary>
    void BeginStop(StopTraining stop)
    {
        Timers.Cancel("register");
        _stopping = stop;
        if (_loopTask == null) { Finish(stop); return; }
        _stop?.Cancel();
        Timers.StartSingleTimer("stop-grace", new StopGraceOver(), _settings.Timings.LoopStopGrace);
        Become(Stopping);
    }

    void Finish(StopTraining stop)
    {
        Timers.CancelAll();
        Note(stop.Failed ? $"stopping: {stop.Reason}" : $"run over: {stop.Reason}");
        Become(Stopped);
        _settings.Stopped(stop.ExitCode);
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log($"[{_settings.TrainerId}] {line}");
    }

    protected override void PostStop()
    {
        // The actor system is going down: the loop thread must be out of the tensors before they are freed.
        _abort?.Cancel();
        _stop?.Cancel();
        try { _loopTask?.Wait(_settings.Timings.LoopStopGrace); }
        catch (AggregateException) { }
        _trainer?.Dispose();
    }
}
