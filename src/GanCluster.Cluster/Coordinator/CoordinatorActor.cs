using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Collapse;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The run's coordinator (a persistent cluster singleton). It owns membership, worlds (members, ranks, epochs),
/// recovery, events.jsonl and the end of the run. It is not on the per-step path: trainers exchange gradients
/// among themselves and report here every cluster.progress_every steps. States follow the run's phases:
/// WaitingForTrainers -> Training -> Recovering -> Training ... -> Stopped.
/// Its durable state (epochs, committed steps, the end) is event-sourced, so a restarted coordinator picks the
/// run up without disturbing trainers that kept training meanwhile.
/// </summary>
public sealed class CoordinatorActor : ReceivePersistentActor, IWithTimers
{
    public const string JournalId = "gancluster-coordinator";

    readonly CoordinatorSettings _settings;
    readonly RunSpec _spec;
    readonly string _specHash;
    readonly RunLayout _layout;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly Dictionary<string, Registration> _registered = [];
    readonly Dictionary<string, string> _finishedHashes = [];
    readonly HashSet<string> _suspects = [];
    CoordinatorLedger _ledger = CoordinatorLedger.Empty;
    EventLog? _events;
    World? _world;
    int _registrationCounter;
    Healing? _healing;
    CollapseResponder? _collapse; // collapse.response: the run's response; its state survives restarts (journal, events)
    (CollapseAction.RollBack Action, CollapseFlagState Flag)? _rollback; // decided; carried out when the next world forms
    (CollapseAction.Stop Action, CollapseFlagState Flag)? _collapseStop; // decided; the run ends once rank 0 has stopped

    /// <summary>A trainer known to the coordinator; <see cref="Available"/> when it is outside any world and alive.</summary>
    sealed record Registration(string TrainerId, IActorRef Ref, RegisterTrainer Message, int Order, bool Available);

    sealed record World(long Epoch, IReadOnlyList<WorldMember> Members, Dictionary<string, IActorRef?> Refs, bool Announced);

    /// <summary>An abandoned world being replaced: who was in it, when the failure was seen, why.</summary>
    sealed record Healing(long AbortedEpoch, IReadOnlyList<WorldMember> Previous, Stopwatch Clock, string Reason);

    sealed record WindowClosed(long AbortedEpoch);
    sealed record ReconnectTimeout(long Epoch);
    sealed record CollapseStopTimeout;

    public CoordinatorActor(CoordinatorSettings settings)
    {
        _settings = settings;
        _spec = settings.Spec;
        _specHash = SpecDiff.Hash(_spec);
        _layout = new RunLayout(settings.RunDir);
        Recover<EpochStarted>(e => _ledger = _ledger.Apply(e));
        Recover<StepCommitted>(e => _ledger = _ledger.Apply(e));
        Recover<RunEnded>(e => _ledger = _ledger.Apply(e));
        Recover<RecoveryCompleted>(_ => Start());
    }

    public override string PersistenceId => JournalId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSettings settings) => Akka.Actor.Props.Create(() => new CoordinatorActor(settings));

    // Every control message passes the policy before any handler (docs/security.md): reports only from members of the
    // world they name, re-registration of a trainer id only from the actor it registered from.
    protected override bool AroundReceive(Receive receive, object message) =>
        message is not IControlMessage control || ControlGate.AdmitsAtCoordinator(control, Sender, Context.System, new Membership(this), _log)
            ? base.AroundReceive(receive, message)
            : true;

    /// <summary>The coordinator's membership as <see cref="ControlPolicy"/> asks it.</summary>
    sealed class Membership(CoordinatorActor c) : ICoordinatorMembership
    {
        ControlSender Of(IActorRef actor) => ControlGate.SenderOf(actor, Context.System);

        public ControlSender? RegisteredFrom(string trainerId) => c._registered.TryGetValue(trainerId, out var r) ? Of(r.Ref) : null;

        public bool? IsMember(long epoch, string trainerId, out ControlSender? knownAs)
        {
            knownAs = null;
            if (c._world is { } w && w.Epoch == epoch)
            {
                if (!w.Refs.TryGetValue(trainerId, out var actor)) return false;
                knownAs = actor is null ? null : Of(actor);
                return true;
            }
            if (c._healing is { } h && h.AbortedEpoch == epoch)
            {
                if (h.Previous.All(m => m.TrainerId != trainerId)) return false;
                knownAs = RegisteredFrom(trainerId);
                return true;
            }
            return null;
        }

        public bool KnowsNode(string node) =>
            c._registered.Values.Any(r => Of(r.Ref).Node == node) || c._world?.Refs.Values.Any(r => r != null && Of(r).Node == node) == true;

        public bool Relearning => c._world?.Refs.Values.Any(r => r == null) == true;
    }

    // ---- Start: after the journal has been replayed.
    void Start()
    {
        try
        {
            if (_ledger.Ended && !_settings.Resume)
            {
                // The journal says this run is over: a coordinator restarted after the end has nothing to do.
                Note($"the run already ended at step {_ledger.CommittedStep} (journal {JournalId}); nothing to do");
                _settings.Finished(0);
                return;
            }
            bool reconnect = _ledger.InFlight && !_settings.Resume;
            OpenRun(reconnect);
            if (_spec.Collapse is { Enabled: true, Response.Enabled: true }) _collapse = CreateCollapseResponder();
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember));
            if (reconnect)
            {
                // This process replaced a coordinator that died while world E trained. The trainers may still be
                // training: wait to hear from them before deciding anything.
                _world = new World(_ledger.Epoch, [], _ledger.Members.ToDictionary(m => m, _ => (IActorRef?)null), Announced: true);
                Write(_ledger.CommittedStep, EventKind.CoordinatorRecovered, new JsonObject
                {
                    ["epoch"] = _ledger.Epoch, ["committed_step"] = _ledger.CommittedStep, ["members"] = _ledger.Members.Count,
                });
                Note($"coordinator restarted: world {_ledger.Epoch} was training at step {_ledger.CommittedStep}; reconnecting");
                // Members send heartbeats every 2 s: a few missed ones mean the world is gone.
                Timers.StartSingleTimer("reconnect", new ReconnectTimeout(_ledger.Epoch), TimeSpan.FromSeconds(10));
                BecomeTraining();
            }
            else BecomeWaiting();
        }
        catch (SpecException e)
        {
            foreach (var p in e.Problems) _settings.Log($"{e.Source}: {p}");
            Finish(exitCode: 2, reason: "bad input", failed: true, step: 0);
        }
    }

    void OpenRun(bool reconnect)
    {
        long truncate = 0;
        if (!reconnect)
        {
            RunDirectory.Prepare(_layout, SpecEmitter.ToYaml(_spec), _settings.Resume, _spec.Checkpoint.Keep);
            var checkpoint = _settings.Resume ? NewestCheckpoint(verbose: true) : null;
            if (checkpoint != null)
            {
                var saved = RunSpecLoader.Parse(File.ReadAllText(Path.Combine(checkpoint.Path, TrainerSnapshot.Spec)));
                var differences = SpecDiff.TrainingDifferences(saved, _spec);
                if (differences.Count > 0 && !_settings.Force)
                    throw new SpecException(differences.Select(d => new SpecProblem(d.Path,
                        $"{d.Before} (as in checkpoint {RunLayout.StepName(checkpoint.Step)}; pass --force to resume anyway)", d.After)).ToList(), "--resume");
                Note($"resuming from {checkpoint.Path}");
                truncate = checkpoint.Step;
            }
        }
        // Events after the step we continue from belong to worlds that did not commit them.
        _events = new EventLog(_layout.EventsFile, truncateAfterStep: reconnect ? null : truncate);
        if (_settings.Metrics is { } metrics) _events.Written += metrics.OnEvent;
        Note($"run {_settings.RunId}: {_spec.Cluster.Workers} trainer(s) wanted (at least {_spec.Cluster.MinWorkers}); run directory {_layout.Root}");
    }

    // ---- WaitingForTrainers: collect registrations until a world can be formed.
    void BecomeWaiting()
    {
        Become(() =>
        {
            Command<RegisterTrainer>(r => { if (Register(r)) TryFormWorld(); });
            CommonHandlers();
        });
    }

    // ---- Training: a world trains; the coordinator records and watches for failures.
    void BecomeTraining()
    {
        Become(() =>
        {
            Command<RegisterTrainer>(r =>
            {
                if (!Register(r)) return;
                if (_world!.Refs.ContainsKey(r.TrainerId) && r.LastEpoch == _world.Epoch)
                    BeginRecovery($"trainer {r.TrainerId} left world {_world.Epoch}", []); // it is outside the world: the world is broken
                else GrowWorld(r.TrainerId);
            });
            Command<TrainerProgress>(OnProgress);
            Command<TrainerFinished>(OnFinished);
            Command<CollapseReport>(OnCollapseReport);
            Command<TrainerFailed>(f =>
            {
                if (!IsCurrent(f.Epoch)) return;
                if (f.Fatal)
                {
                    Write(f.Step, EventKind.TrainerFailed, new JsonObject { ["trainer"] = f.TrainerId, ["reason"] = f.Reason, ["fatal"] = true });
                    Finish(exitCode: 1, reason: $"trainer {f.TrainerId}: {f.Reason}", failed: true, step: f.Step);
                    return;
                }
                var suspects = f.SuspectRank is int r && r < _world!.Members.Count ? new[] { _world.Members[r].TrainerId } : [];
                BeginRecovery($"trainer {f.TrainerId} at step {f.Step}: {f.Reason}", suspects);
            });
            Command<ReconnectTimeout>(t =>
            {
                // Nobody of the world this coordinator inherited has spoken: treat the world as gone.
                if (_world != null && t.Epoch == _world.Epoch && _world.Members.Count == 0)
                    BeginRecovery($"no member of world {t.Epoch} reported after the coordinator restarted", _world.Refs.Keys.ToList());
            });
            CommonHandlers();
        });
    }

    /// <summary>Every member of the aborted world has re-registered or is suspected dead.</summary>
    bool AllReported() => _healing != null && _healing.Previous.All(m => _suspects.Contains(m.TrainerId) || IsAvailable(m.TrainerId));

    // ---- Recovering: the world was aborted; survivors re-register with their state, then the next world forms.
    void BecomeRecovering()
    {
        Become(() =>
        {
            Command<RegisterTrainer>(r =>
            {
                if (!Register(r)) return;
                if (AllReported()) FormNextWorld(); // every survivor has reported: no need to wait out the window
            });
            Command<WindowClosed>(w => { if (_healing?.AbortedEpoch == w.AbortedEpoch) FormNextWorld(); });
            Command<TrainerFailed>(f =>
            {
                // Every survivor's data plane names the peer it lost. The first report already made a suspect; the
                // others add theirs (a dead rank has two ring neighbours, and the first to speak may have seen the
                // abort cascade rather than the death), unless that rank has re-registered since: it is alive.
                if (_healing == null || f.Epoch != _healing.AbortedEpoch || f.SuspectRank is not int rank) return;
                string? suspect = _healing.Previous.FirstOrDefault(m => m.Rank == rank)?.TrainerId;
                if (suspect == null || IsAvailable(suspect)) return;
                _suspects.Add(suspect);
                // Everyone else has reported: shorten the window to half a second, time enough for a wrongly
                // suspected (alive, just slower) member to register and be part of the next world after all.
                if (AllReported())
                    Timers.StartSingleTimer("window", new WindowClosed(_healing.AbortedEpoch), TimeSpan.FromMilliseconds(500));
            });
            Command<TrainerProgress>(_ => { });
            CommonHandlers();
        });
    }

    void BecomeStopped()
    {
        Become(() =>
        {
            Command<RegisterTrainer>(_ => Sender.Tell(new StopTraining(ControlProtocol.Version, "the run is over", false)));
            Command<RunEventReport>(WriteReported);
            Command<CollapseReport>(Continue);
            CommandAny(_ => { });
        });
    }

    void CommonHandlers()
    {
        Command<RunEventReport>(WriteReported);
        Command<CollapseReport>(Continue);
        Command<TrainerLeaving>(l =>
        {
            Write(-1, EventKind.TrainerLeft, new JsonObject { ["trainer"] = l.TrainerId, ["reason"] = l.Reason });
            Lost(l.TrainerId, $"trainer {l.TrainerId} left: {l.Reason}");
        });
        Command<Terminated>(t =>
        {
            var gone = _registered.Values.FirstOrDefault(r => r.Ref.Equals(t.ActorRef));
            if (gone != null) Lost(gone.TrainerId, $"trainer {gone.TrainerId} left the cluster");
        });
        Command<ClusterEvent.UnreachableMember>(u =>
        {
            foreach (var r in _registered.Values.Where(r => r.Ref.Path.Address.Equals(u.Member.Address)).ToList())
                Lost(r.TrainerId, $"trainer {r.TrainerId} is unreachable (paused or partitioned)");
        });
        Command<ClusterEvent.IMemberEvent>(_ => { });
        Command<ClusterEvent.IReachabilityEvent>(_ => { });
        Command<WindowClosed>(_ => { });
        Command<ReconnectTimeout>(_ => { });
    }

    // ---- Registration and membership

    bool Register(RegisterTrainer r)
    {
        string? refusal = ControlPolicy.RegistrationRefusal(r, _settings.SoftwareVersion, _specHash);
        if (refusal != null)
        {
            Note($"refused trainer {r.TrainerId}: {refusal}");
            Write(-1, EventKind.TrainerRefused, new JsonObject { ["trainer"] = r.TrainerId, ["reason"] = refusal });
            Sender.Tell(new RegistrationRefused(ControlProtocol.Version, refusal));
            return false;
        }
        bool isNew = !_registered.TryGetValue(r.TrainerId, out var known);
        _registered[r.TrainerId] = new Registration(r.TrainerId, Sender, r, known?.Order ?? _registrationCounter++, Available: true);
        _suspects.Remove(r.TrainerId); // it spoke: alive
        if (isNew)
        {
            Context.Watch(Sender);
            Note($"trainer {r.TrainerId} registered ({r.Device}, data plane {r.DataHost}:{r.DataPort}" +
                 (r.Step >= 0 ? $", holding step {r.Step}" : "") + $"); {_registered.Count} known");
            Write(-1, EventKind.MemberJoined, new JsonObject { ["trainer"] = r.TrainerId, ["device"] = r.Device, ["holds_step"] = r.Step });
            Sender.Tell(new RegistrationAccepted(ControlProtocol.Version, _settings.RunId, _spec.Cluster.Workers));
        }
        return true;
    }

    bool IsAvailable(string trainerId) => _registered.TryGetValue(trainerId, out var r) && r.Available;

    /// <summary>A trainer is gone (left, downed, unreachable): forget it, and heal the world if it was in it.</summary>
    void Lost(string trainerId, string reason)
    {
        if (_registered.Remove(trainerId, out var gone)) Context.Unwatch(gone.Ref);
        _suspects.Add(trainerId);
        if (_world != null && _world.Refs.ContainsKey(trainerId) && _healing == null && _ledger is { Ended: false })
        {
            Write(-1, EventKind.MemberLost, new JsonObject { ["trainer"] = trainerId, ["epoch"] = _world.Epoch, ["reason"] = reason });
            BeginRecovery(reason, [trainerId]);
        }
        else if (_healing != null && _healing.Previous.All(m => _suspects.Contains(m.TrainerId) || IsAvailable(m.TrainerId)))
            FormNextWorld();
    }

    // ---- Worlds

    void TryFormWorld()
    {
        // The first world waits for all workers; later ones (after a failure) need only min_workers.
        int needed = _ledger.Epoch == 0 ? _spec.Cluster.Workers : _spec.Cluster.MinWorkers;
        if (_registered.Values.Count(r => r.Available) >= needed) FormNextWorld();
    }

    void BeginRecovery(string reason, IReadOnlyCollection<string> suspects)
    {
        if (_world == null || _healing != null) return;
        foreach (var s in suspects) _suspects.Add(s);
        Note($"world {_world.Epoch} aborted: {reason}");
        try { WorldFence.Raise(_layout.Root, _world.Epoch + 1); } // nothing of the abandoned world may be written from now on
        catch (InvalidDataException e) { FenceUnreadable(e); return; }
        Write(_ledger.CommittedStep, EventKind.WorldAborted, new JsonObject
        {
            ["epoch"] = _world.Epoch, ["reason"] = reason, ["suspects"] = new JsonArray(suspects.Select(s => (JsonNode)s).ToArray()),
        });
        foreach (var (id, actor) in _world.Refs)
        {
            if (_registered.TryGetValue(id, out var r)) _registered[id] = r with { Available = false }; // until it re-registers
            (actor ?? _registered.GetValueOrDefault(id)?.Ref)?.Tell(new AbortWorld(ControlProtocol.Version, _world.Epoch, reason, Fenced: suspects.Contains(id)));
        }
        var previous = _world.Members.Count > 0 ? _world.Members
            : _world.Refs.Keys.Select((id, i) => new WorldMember(i, id, "", 0)).ToList();
        _healing = new Healing(_world.Epoch, previous, Stopwatch.StartNew(), reason);
        Timers.StartSingleTimer("window", new WindowClosed(_world.Epoch), TimeSpan.FromSeconds(_spec.Cluster.RecoveryWindowSeconds));
        BecomeRecovering();
    }

    void FormNextWorld()
    {
        Timers.Cancel("window");
        var previousRanks = (_healing?.Previous ?? _world?.Members ?? []).ToDictionary(m => m.TrainerId, m => m.Rank);
        var candidates = _registered.Values.Where(r => r.Available && !_suspects.Contains(r.TrainerId))
            .Select(r => new Candidate(r.TrainerId, r.Message.DataHost, r.Message.DataPort, r.Message.Step, r.Message.StateHash,
                previousRanks.GetValueOrDefault(r.TrainerId, -1), Candidate.OrderOf(r.Message.RankHint, r.Order)))
            .ToList();
        int minimum = _ledger.Epoch == 0 ? _spec.Cluster.Workers : _spec.Cluster.MinWorkers;
        var rollback = _rollback;
        var rollbackTo = rollback is { } rb ? new CheckpointRef(rb.Action.ToStep, _layout.CheckpointDir(rb.Action.ToStep)) : null;
        var plan = WorldPlanner.Plan(candidates, _spec.Cluster.Workers, minimum, NewestCheckpoint(verbose: false), rollbackTo);
        if (plan == null)
        {
            Note($"{candidates.Count} trainer(s) available, {minimum} needed: waiting for replacements");
            Write(_ledger.CommittedStep, EventKind.WaitingForTrainers, new JsonObject { ["available"] = candidates.Count, ["needed"] = minimum });
            _world = null;
            BecomeWaiting();
            return;
        }
        // Epochs only grow, also across a lost journal: the fence file remembers the newest one.
        long fenced;
        try { fenced = WorldFence.Read(_layout.Root); }
        catch (InvalidDataException e) { FenceUnreadable(e); return; }
        long epoch = Math.Max(_ledger.Epoch, fenced) + 1;
        // A collapse rollback: before anyone trains from the checkpoint (rank 0 drops metrics rows past its start
        // step when it opens the log), move what the abandoned steps wrote to rollbacks/N/ and drop newer checkpoints.
        JsonObject? rollbackDetails = null;
        if (rollback is { } back)
        {
            var dropped = new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep).DropAfter(back.Action.ToStep);
            using (var metrics = new JsonlWriter(_layout.MetricsFile))
                rollbackDetails = CollapseResponse.Archive(back.Action, back.Flag, _collapse!.State, dropped, _layout, metrics, _events!);
            _rollback = null;
        }
        string? collapseState = _collapse?.State.ToJson().ToJsonString();
        var message = new WorldFormed(ControlProtocol.Version, epoch, plan.Members, plan.StartStep, plan.ResumeCheckpoint,
            plan.SourceRank, plan.SourceHash, plan.NeedState, collapseState);
        var refs = plan.Members.ToDictionary(m => m.TrainerId, m => (IActorRef?)_registered[m.TrainerId].Ref);
        Persist(new EpochStarted(ControlProtocol.Version, epoch, plan.StartStep, plan.Members.Select(m => m.TrainerId).ToList(),
            Rollback: rollbackDetails != null, CollapseStateJson: collapseState), e =>
        {
            _ledger = _ledger.Apply(e);
            WorldFence.Raise(_layout.Root, epoch);
            foreach (var m in plan.Members) _registered[m.TrainerId] = _registered[m.TrainerId] with { Available = false };
            foreach (var r in refs.Values) r!.Tell(message);
            _world = new World(epoch, plan.Members, refs, Announced: false);
            if (rollbackDetails != null) Write(plan.StartStep, EventKind.CollapseRollback, rollbackDetails);
            Write(plan.StartStep, EventKind.WorldFormed, new JsonObject
            {
                ["epoch"] = epoch,
                ["world_size"] = plan.Members.Count,
                ["start_step"] = plan.StartStep,
                ["source_rank"] = plan.SourceRank,
                ["need_state"] = new JsonArray(plan.NeedState.Select(r => (JsonNode)r).ToArray()),
                ["resume_checkpoint"] = plan.ResumeCheckpoint,
                ["members"] = new JsonArray(plan.Members.Select(m => (JsonNode)new JsonObject { ["rank"] = m.Rank, ["trainer"] = m.TrainerId }).ToArray()),
            });
            Note($"world {epoch} formed: {plan.Members.Count} rank(s), from step {plan.StartStep}" +
                 (plan.SourceRank is int s ? $", state from rank {s} to rank(s) {string.Join(",", plan.NeedState)}" : "") +
                 (plan.ResumeCheckpoint != null ? $", from checkpoint {Path.GetFileName(plan.ResumeCheckpoint)}" : ""));
            BecomeTraining();
        });
    }

    /// <summary>The fence fails closed: no world can be formed or fenced off safely, so the run ends, naming the file.</summary>
    void FenceUnreadable(InvalidDataException e)
    {
        Note($"error: {e.Message}");
        Finish(exitCode: 1, reason: e.Message, failed: true, step: Math.Max(0, _ledger.CommittedStep));
    }

    void OnProgress(TrainerProgress p)
    {
        if (_world == null || p.Epoch != _world.Epoch) return;
        Relearn(p.TrainerId);
        if (_healing != null && _world.Epoch > _healing.AbortedEpoch && !p.IsHeartbeat)
        {
            double seconds = _healing.Clock.Elapsed.TotalSeconds;
            Write(p.Step, EventKind.Recovered, new JsonObject
            {
                ["epoch"] = _world.Epoch, ["seconds"] = Math.Round(seconds, 3), ["reason"] = _healing.Reason, ["world_size"] = _world.Refs.Count,
            });
            Note($"recovered in {seconds:F1} s: world {_world.Epoch} completed step {p.Step}");
            _healing = null;
        }
        if (p.Rank != 0 || p.IsHeartbeat) return;
        Persist(new StepCommitted(ControlProtocol.Version, p.Epoch, p.Step), e => _ledger = _ledger.Apply(e));
        if (p.Step % _spec.Cluster.ProgressEvery == 0 || p.Step == p.TotalSteps)
            Note($"step {p.Step}/{p.TotalSteps} | world {_world.Refs.Count} (epoch {p.Epoch}) | {p.ImagesPerSecond:F0} img/s | Loss_D {p.LossD:F4} Loss_G {p.LossG:F4}");
    }

    /// <summary>
    /// A trainer outside the running world can join it: when every member is known (a restarted coordinator may still
    /// be re-learning them) and the world is below cluster.workers, abort it so the next world includes the newcomer.
    /// </summary>
    void GrowWorld(string standby)
    {
        if (_world!.Refs.Values.All(a => a != null) && _world.Refs.Count < _spec.Cluster.Workers && _ledger is { Ended: false })
            BeginRecovery($"trainer {standby} can join (world {_world.Refs.Count} of {_spec.Cluster.Workers})", []);
    }

    /// <summary>A restarted coordinator re-learns the members of the running world from their reports.</summary>
    void Relearn(string trainerId)
    {
        if (_world == null || !_world.Refs.TryGetValue(trainerId, out var known) || known != null || Sender.IsNobody()) return;
        _world.Refs[trainerId] = Sender;
        _registered[trainerId] = new Registration(trainerId, Sender,
            new RegisterTrainer(ControlProtocol.Version, trainerId, "", "", 0, _specHash, _settings.SoftwareVersion), _registrationCounter++, false);
        Context.Watch(Sender);
        if (_world.Members.Count == 0 && _world.Refs.Values.All(r => r != null))
        {
            Timers.Cancel("reconnect");
            Note($"all {_world.Refs.Count} member(s) of world {_world.Epoch} reconnected; training continues");
            // Trainers that registered while the members reconnected were held back: grow the world now.
            var standby = _registered.Values.Where(r => r.Available && !_world.Refs.ContainsKey(r.TrainerId)).Select(r => r.TrainerId).FirstOrDefault();
            if (standby != null) GrowWorld(standby);
        }
    }

    void OnFinished(TrainerFinished f)
    {
        if (!IsCurrent(f.Epoch)) return;
        Relearn(f.TrainerId); // trainers repeat their report until the run ends: it may have reached a dead coordinator
        _finishedHashes[f.TrainerId] = f.ReplicaHash;
        if (_finishedHashes.Count < _world!.Refs.Count) return;
        bool identical = _finishedHashes.Values.Distinct().Count() == 1;
        Write(f.Step, EventKind.RunComplete, new JsonObject
        {
            ["world_size"] = _world.Refs.Count,
            ["replicas_identical"] = identical,
            ["replica_hash"] = _finishedHashes.Values.First(),
            ["epoch"] = _world.Epoch,
        });
        Note(identical
            ? $"done: {f.Step} steps; all {_world.Refs.Count} replicas identical ({_finishedHashes.Values.First()[..12]})"
            : $"done: {f.Step} steps, but replica hashes differ: {string.Join(", ", _finishedHashes.Values.Select(h => h[..12]))}");
        Finish(exitCode: identical ? 0 : 1, reason: "run complete", failed: !identical, step: f.Step);
    }

    bool IsCurrent(long epoch) => _world != null && epoch == _world.Epoch;

    /// <summary>
    /// The collapse response stops the run: the trainers stop together (a voted stop after the next step; rank 0 then
    /// writes the final checkpoint and reports the end), and the coordinator ends events.jsonl with collapse_stopped
    /// (rank 0's end-of-run details plus the reason) instead of run_interrupted, then exits 4. Should rank 0 not
    /// report within a minute, the run ends all the same.
    /// </summary>
    void BeginCollapseStop(CollapseAction.Stop stop, CollapseFlagState flag)
    {
        _collapseStop = (stop, flag);
        var message = new StopTraining(ControlProtocol.Version, "collapse response: " + stop.Reason, true, ByCollapseResponse: true);
        foreach (var r in _registered.Values) r.Ref.Tell(message);
        foreach (var r in _world!.Refs.Values) r?.Tell(message);
        Timers.StartSingleTimer("collapse-stop", new CollapseStopTimeout(), TimeSpan.FromSeconds(60));
        Become(() =>
        {
            Command<RunEventReport>(e =>
            {
                if (e.Kind != EventKind.RunInterrupted) { WriteReported(e); return; }
                JsonObject? details = null;
                try { details = JsonNode.Parse(e.DetailsJson) as JsonObject; }
                catch (System.Text.Json.JsonException) { }
                EndCollapseStop(e.Step, details);
            });
            Command<CollapseStopTimeout>(_ => EndCollapseStop(Math.Max(stop.EffectiveStep, _ledger.CommittedStep), null));
            Command<CollapseReport>(r => Sender.Tell(new CollapseDecision(ControlProtocol.Version, r.Epoch, r.Step, CollapseDecision.Stop, stop.Reason)));
            Command<RegisterTrainer>(_ => Sender.Tell(message));
            CommandAny(_ => { });
        });
    }

    void EndCollapseStop(long step, JsonObject? details)
    {
        Timers.Cancel("collapse-stop");
        var (stop, flag) = _collapseStop!.Value;
        details ??= new JsonObject { ["collapse"] = new JsonObject { ["flag"] = flag.ToJson() } };
        details["reason"] = stop.Reason;
        details["rollbacks"] = _collapse!.State.Rollbacks;
        details["decided_at"] = stop.EffectiveStep;
        Write(step, EventKind.CollapseStopped, details);
        Finish(exitCode: ExitCodes.CollapseStopped, reason: "collapse response: " + stop.Reason, failed: true, step: step);
    }

    // ---- The collapse response (collapse.response.enabled): rank 0 reports while collapse_suspected is set.

    /// <summary>
    /// The responder, with the newest response state among the journal's, the newest checkpoint's and the last
    /// collapse_rollback event's: a restarted or resumed coordinator keeps the rollback count and the scales.
    /// </summary>
    CollapseResponder CreateCollapseResponder()
    {
        var state = CollapseResponseState.FromJson(_ledger.CollapseStateJson is { } json ? JsonNode.Parse(json) : null);
        CheckpointManifest? manifest = null;
        if (NewestCheckpoint(verbose: false) is { } newest) CheckpointStore.Verify(newest.Path, out manifest);
        state = CollapseResponseState.Latest(state, CollapseResponse.ResumeState(manifest, _layout.EventsFile));
        if (state.Rollbacks > 0) Note($"collapse response: {state.Rollbacks} rollback(s) so far, lr scales {state.LrGScale:G4}/{state.LrDScale:G4}");
        return new CollapseResponder(_spec.Collapse.Response, state);
    }

    /// <summary>
    /// Decides (<see cref="CollapseResponder"/>, the same pure logic as a single process) and answers rank 0. A
    /// rollback aborts the world; the next world forms from the chosen checkpoint with the new learning-rate scales
    /// (<see cref="FormNextWorld"/> archives the abandoned logs). A stop ends the run with collapse_stopped, exit code 4.
    /// </summary>
    /// <summary>Outside a training world nothing is decided: rank 0 trains on and asks again at its next evaluation.</summary>
    void Continue(CollapseReport r) => Sender.Tell(new CollapseDecision(ControlProtocol.Version, r.Epoch, r.Step, CollapseDecision.Continue));

    void OnCollapseReport(CollapseReport r)
    {
        var reply = new CollapseDecision(ControlProtocol.Version, r.Epoch, r.Step, CollapseDecision.Continue);
        if (_collapse == null || !IsCurrent(r.Epoch) || _healing != null || _rollback != null || _ledger.Ended)
        {
            Sender.Tell(reply);
            return;
        }
        var flag = CollapseFlagState.FromJson(JsonNode.Parse(r.FlagJson));
        var candidates = CollapseResponse.Candidates(new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep));
        switch (_collapse.Decide(r.Step, flag, candidates))
        {
            case CollapseAction.RollBack back:
                Sender.Tell(reply with { Action = CollapseDecision.RollBack, Reason = back.Reason });
                Note("collapse response: " + back.Reason);
                _rollback = (back, flag);
                // Rank 0 completed the step it reports (and waits): the abort and what follows belong after it.
                Persist(new StepCommitted(ControlProtocol.Version, r.Epoch, r.Step), e =>
                {
                    _ledger = _ledger.Apply(e);
                    BeginRecovery($"collapse rollback {back.Number} to step {back.ToStep}", []);
                });
                break;
            case CollapseAction.Stop stop:
                Sender.Tell(reply with { Action = CollapseDecision.Stop, Reason = stop.Reason });
                Note("collapse response: " + stop.Reason);
                BeginCollapseStop(stop, flag);
                break;
            default:
                Sender.Tell(reply);
                break;
        }
    }

    CheckpointRef? NewestCheckpoint(bool verbose)
    {
        var found = new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep)
            .FindNewestValid(w => { if (verbose) Note($"warning: {w}"); });
        return found is { } f ? new CheckpointRef(f.Step, f.Path) : null;
    }

    void WriteReported(RunEventReport e)
    {
        JsonObject? details = null;
        try { details = JsonNode.Parse(e.DetailsJson) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        Write(e.Step, e.Kind, details);
    }

    void Write(long step, string kind, JsonObject? details)
    {
        _events?.Write(step < 0 ? Math.Max(0, _ledger.CommittedStep) : step, kind, details);
        // Membership changes come with an event: report the counts by status to metrics after each one.
        _settings.Metrics?.SetMembers(_world?.Members.Count ?? 0,
            _registered.Values.Count(r => r.Available && !_suspects.Contains(r.TrainerId) && _world?.Refs.ContainsKey(r.TrainerId) != true), _suspects.Count);
    }

    void Finish(int exitCode, string reason, bool failed, long step)
    {
        foreach (var r in _registered.Values) r.Ref.Tell(new StopTraining(ControlProtocol.Version, reason, failed, exitCode == ExitCodes.CollapseStopped));
        if (_world != null)
            foreach (var r in _world.Refs.Values) r?.Tell(new StopTraining(ControlProtocol.Version, reason, failed, exitCode == ExitCodes.CollapseStopped));
        BecomeStopped();
        if (exitCode == 2) { _settings.Finished(exitCode); return; } // nothing started: nothing to record
        Persist(new RunEnded(ControlProtocol.Version, exitCode, step), e =>
        {
            _ledger = _ledger.Apply(e);
            _settings.Finished(exitCode);
        });
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log(line);
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _events?.Dispose();
    }
}
