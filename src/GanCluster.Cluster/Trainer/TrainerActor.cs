using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Data;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// One rank: registers with the coordinator, and for each world it is given runs the training loop on its own
/// thread (tensors never touch the actor's dispatcher). The loop reports to this actor, which reports to the
/// coordinator. States follow the trainer's life: Registering -> WaitingForWorld -> Training -> Stopped.
/// </summary>
public sealed class TrainerActor : ReceiveActor, IWithTimers
{
    readonly TrainerSettings _settings;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly string _specHash;
    GanTrainer? _trainer;
    CancellationTokenSource? _loop;
    Task? _loopTask;
    long _epoch;

    // Messages from the loop thread to the actor.
    sealed record LoopEnded(long Epoch, long Step, string Hash);
    sealed record LoopFailed(long Epoch, long Step, string Reason, bool Fatal);
    sealed record RetryRegistration;

    public TrainerActor(TrainerSettings settings)
    {
        _settings = settings;
        _specHash = SpecDiff.Hash(settings.Spec);
        Registering();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TrainerSettings settings) => Akka.Actor.Props.Create(() => new TrainerActor(settings));

    protected override void PreStart()
    {
        Register();
        // The proxy buffers until the singleton is reachable; re-send in case the first registration was lost.
        Timers.StartPeriodicTimer("register", new RetryRegistration(), TimeSpan.FromSeconds(3));
    }

    void Register() => _settings.Coordinator.Tell(new RegisterTrainer(ControlProtocol.Version, _settings.TrainerId,
        _settings.Device, _settings.DataPlane.Host, _settings.DataPlane.Port, _specHash, _settings.SoftwareVersion));

    void Registering()
    {
        Receive<RetryRegistration>(_ => Register());
        Receive<RegistrationAccepted>(a =>
        {
            Timers.Cancel("register");
            Note($"registered with the coordinator (run {a.RunId}); waiting for a world of {a.WorkersExpected}");
            Become(WaitingForWorld);
        });
        Receive<RegistrationRefused>(r => Refused(r.Reason));
        Receive<WorldFormed>(w => { Timers.Cancel("register"); StartWorld(w); });
        Receive<StopTraining>(Stop);
    }

    void WaitingForWorld()
    {
        Receive<RegistrationAccepted>(_ => { });
        Receive<RetryRegistration>(_ => { });
        Receive<WorldFormed>(StartWorld);
        Receive<RegistrationRefused>(r => Refused(r.Reason));
        Receive<StopTraining>(Stop);
    }

    void Training()
    {
        Receive<RegistrationAccepted>(_ => { });
        Receive<RetryRegistration>(_ => { });
        Receive<WorldFormed>(StartWorld);
        Receive<LoopEnded>(e =>
        {
            if (e.Epoch != _epoch) return;
            _settings.Coordinator.Tell(new TrainerFinished(ControlProtocol.Version, _settings.TrainerId, e.Epoch, e.Step, e.Hash));
        });
        Receive<LoopFailed>(f =>
        {
            if (f.Epoch != _epoch) return;
            Note($"training failed at step {f.Step}: {f.Reason}");
            _settings.Coordinator.Tell(new TrainerFailed(ControlProtocol.Version, _settings.TrainerId, f.Epoch, f.Step, f.Reason, f.Fatal));
        });
        Receive<StopTraining>(Stop);
    }

    void Stopped()
    {
        ReceiveAny(_ => { });
    }

    void StartWorld(WorldFormed world)
    {
        var me = world.Members.FirstOrDefault(m => m.TrainerId == _settings.TrainerId);
        if (me == null) return; // not part of this world: stay a standby
        StopLoop();
        _epoch = world.Epoch;
        _settings.DataPlane.Fence(world.Epoch);
        var self = Self;
        var cancel = _loop = new CancellationTokenSource();
        Note($"world {world.Epoch}: rank {me.Rank} of {world.Members.Count}, from step {world.StartStep}");
        _loopTask = Task.Factory.StartNew(() => RunLoop(world, me.Rank, self, cancel.Token), cancel.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Become(Training);
    }

    /// <summary>The training loop (its own thread): join the world's data plane, then train to the end.</summary>
    void RunLoop(WorldFormed world, int rank, IActorRef self, CancellationToken cancel)
    {
        long step = _trainer?.State.Step ?? world.StartStep;
        try
        {
            var collective = _settings.DataPlane.Join(world, rank, cancel);
            if (_trainer == null)
            {
                _trainer = new GanTrainer(new TrainerOptions
                {
                    Spec = _settings.Spec,
                    RunDir = _settings.RunDir,
                    ResumeCheckpoint = world.ResumeCheckpoint,
                    Device = _settings.Device,
                    Collective = collective,
                    Events = new ForwardingEventSink(_settings.Coordinator),
                    Log = _settings.Log,
                });
                _trainer.StepCompleted += report =>
                {
                    if (report.Stats.Step % _settings.Spec.Cluster.ProgressEvery != 0 && report.Stats.Step != report.TotalSteps) return;
                    _settings.Coordinator.Tell(new TrainerProgress(ControlProtocol.Version, _settings.TrainerId, _epoch,
                        _trainer.Collective.Rank, report.Stats.Step, report.ImagesPerSecond, report.Stats.LossD, report.Stats.LossG));
                };
            }
            else _trainer.BindWorld(collective);
            var state = _trainer.Run(cancel);
            step = state.Step;
            if (!cancel.IsCancellationRequested)
                self.Tell(new LoopEnded(world.Epoch, state.Step, _trainer.Snapshot().Hash()));
        }
        catch (Exception e) when (cancel.IsCancellationRequested && e is OperationCanceledException)
        {
            // stopped on purpose
        }
        catch (Exception e)
        {
            bool fatal = e is SpecException or DataException;
            self.Tell(new LoopFailed(world.Epoch, _trainer?.State.Step ?? step, $"{e.GetType().Name}: {e.Message}", fatal));
        }
    }

    void Refused(string reason)
    {
        Timers.Cancel("register");
        Note($"the coordinator refused this trainer: {reason}");
        Become(Stopped);
        _settings.Stopped(2);
    }

    void Stop(StopTraining stop)
    {
        StopLoop();
        Note(stop.Failed ? $"stopping: {stop.Reason}" : $"run over: {stop.Reason}");
        Become(Stopped);
        _settings.Stopped(stop.Failed ? 1 : 0);
    }

    void StopLoop()
    {
        _loop?.Cancel();
        try { _loopTask?.Wait(TimeSpan.FromSeconds(60)); }
        catch (AggregateException) { }
        _loop?.Dispose();
        (_loop, _loopTask) = (null, null);
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log($"[{_settings.TrainerId}] {line}");
    }

    protected override void PostStop()
    {
        StopLoop();
        _trainer?.Dispose();
    }
}
