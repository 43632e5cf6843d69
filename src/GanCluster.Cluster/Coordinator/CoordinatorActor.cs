using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using GanCluster.Cluster.DataPlane;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Membership;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The run's coordinator (a persistent cluster singleton): a thin shell over <see cref="MembershipModel"/>, which
/// decides membership, worlds and recovery. The actor turns control messages and cluster events into model events
/// and carries the model's effects out: messages to trainers, journal writes (Akka.Persistence), events.jsonl and the
/// fence (<see cref="CoordinatorRunDirectory"/>), data-plane probes and timers. It also answers rank 0's collapse
/// reports with the collapse responder. It is not on the per-step path: trainers exchange gradients among
/// themselves and report here every cluster.progress_every steps.
/// </summary>
public sealed class CoordinatorActor : ReceivePersistentActor, IWithTimers
{
    public const string JournalId = "gancluster-coordinator";

    readonly CoordinatorSettings _settings;
    readonly RunSpec _spec;
    readonly CoordinatorRunDirectory _run;
    readonly MembershipModel _model;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly Dictionary<string, IActorRef> _trainers = []; // where each trainer id is (from its last message)
    readonly ModelMembership _membership; // what the control policy asks (docs/security.md)
    CoordinatorLedger _replayed = CoordinatorLedger.Empty;
    CollapseSupervisor? _collapse; // collapse.response: its state survives restarts (journal, checkpoints, events)
    (CollapseAction.RollBack Action, CollapseFlagState Flag)? _rollback; // decided; archived when the next world forms
    (CollapseAction.Stop Action, CollapseFlagState Flag)? _collapseStop; // decided; the run ends once rank 0 has stopped

    /// <summary>The outcome of a data-plane probe, piped back to the actor.</summary>
    sealed record ProbeResult(string TrainerId, long Token, bool Answered);

    sealed record CollapseStopTimeout;

    public CoordinatorActor(CoordinatorSettings settings)
    {
        _settings = settings;
        _spec = settings.Spec;
        _run = new CoordinatorRunDirectory(_spec, settings.RunDir, Note);
        _model = new MembershipModel(new MembershipConfig(_spec.Cluster.Workers, _spec.Cluster.MinWorkers,
            TimeSpan.FromSeconds(_spec.Cluster.RecoveryWindowSeconds), ControlProtocol.Version, settings.SoftwareVersion,
            SpecDiff.Hash(_spec)) { Timings = settings.Timings }, _run);
        _membership = new ModelMembership(_model, _trainers, Context.System);
        Recover<EpochStarted>(e => _replayed = _replayed.Apply(e));
        Recover<StepCommitted>(e => _replayed = _replayed.Apply(e));
        Recover<RunEnded>(e => _replayed = _replayed.Apply(e));
        Recover<RecoveryCompleted>(_ => Start());
    }

    public override string PersistenceId => JournalId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSettings settings) => Akka.Actor.Props.Create(() => new CoordinatorActor(settings));

    // Every control message passes the policy before any handler (docs/security.md): reports only from members of the
    // world they name, re-registration of a trainer id only from the actor it registered from.
    protected override bool AroundReceive(Receive receive, object message) =>
        message is not IControlMessage control || ControlGate.AdmitsAtCoordinator(control, Sender, Context.System, _membership, _log)
            ? base.AroundReceive(receive, message)
            : true;

    // ---- Start: after the journal has been replayed.
    void Start()
    {
        // A world may be training: adopt it (also with --resume, see MembershipModel.Start). The journal may also have been
        // lost with the old coordinator's disk (a pod-local SQLite beside S3 checkpoints): the fence says a run is under
        // way, and the model adopts the world the trainers report (MembershipModel.Learn).
        bool reconnect = _replayed.InFlight || (_settings.ReplacesRunning && !_replayed.Ended);
        try
        {
            if (!(_replayed.Ended && !_settings.Resume))
            {
                _run.Open(reconnect, _settings.Resume, _settings.Force);
                if (_settings.Metrics is { } metrics) _run.EventWritten += metrics.OnEvent;
                Note($"run {_settings.RunId}: {_spec.Cluster.Workers} trainer(s) wanted (at least {_spec.Cluster.MinWorkers}); run directory {_run.Layout.Root}");
                if (_spec.Collapse is { Enabled: true, Response.Enabled: true }) _collapse = CreateCollapseSupervisor();
            }
        }
        catch (SpecException e)
        {
            foreach (var p in e.Problems) _settings.Log($"{e.Source}: {p}");
            Become(Stopped);
            Execute(_model.EndRun(2, "bad input", 0));
            return;
        }
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
        Become(Running);
        Execute(_model.Start(_replayed, _settings.Resume));
    }

    void Running()
    {
        Command<RegisterTrainer>(r =>
        {
            _trainers[r.TrainerId] = Sender;
            Execute(_model.Register(new TrainerReport(r.TrainerId, NodeOf(Sender), r.DataHost, r.DataPort, r.Device, r.Step, r.StateHash,
                r.LastEpoch, r.Restarts, r.RankHint), r.Version, r.SoftwareVersion, r.SpecHash));
        });
        Command<TrainerProgress>(p =>
        {
            _trainers[p.TrainerId] = Sender;
            Execute(_model.Progress(p.TrainerId, NodeOf(Sender), p.Epoch, p.Rank, p.Step, p.IsHeartbeat, p.WorldSize, p.DataHost, p.DataPort));
            if (p.Rank == 0 && !p.IsHeartbeat && _model.IsTraining(p.Epoch) && (p.Step % _spec.Cluster.ProgressEvery == 0 || p.Step == p.TotalSteps))
                Note($"step {p.Step}/{p.TotalSteps} | world {_model.Members.Count} (epoch {p.Epoch}) | {p.ImagesPerSecond:F0} img/s | Loss_D {p.LossD:F4} Loss_G {p.LossG:F4}");
        });
        Command<TrainerFinished>(f =>
        {
            _trainers[f.TrainerId] = Sender;
            Execute(_model.Finished(f.TrainerId, NodeOf(Sender), f.Epoch, f.Rank, f.Step, f.ReplicaHash));
        });
        Command<TrainerFailed>(f => Execute(_model.Failed(f.TrainerId, f.Epoch, f.Step, f.Reason, f.Fatal, f.SuspectRank)));
        Command<TrainerLeaving>(l => Execute(_model.Leaving(l.TrainerId, l.Reason)));
        Command<RunEventReport>(WriteReported);
        Command<CollapseReport>(OnCollapseReport);
        Command<ProbeResult>(r => Execute(_model.ProbeAnswered(r.TrainerId, r.Token, r.Answered)));
        Command<MembershipTimer>(t =>
        {
            if (t.Kind == TimerKind.UnreachableSettle) ForgiveIndirectlyConnected();
            Execute(_model.TimerFired(t));
        });
        ClusterEventHandlers();
    }

    /// <summary>
    /// Before the coordinator judges unreachable members: a member flagged unreachable that has seen the latest cluster
    /// state is reachable through some path (the split-brain rule's "indirectly connected", DowningPolicy), so it is not
    /// lost. After a partition of the coordinator heals, its own stale observation of one trainer can outlast the settle
    /// time (seen on the bed: a healthy trainer left out of the world for 5 s); a member that truly died or is cut off
    /// cannot see a newer state, and a data-plane failure still reaches the coordinator through the ring's reports.
    /// </summary>
    void ForgiveIndirectlyConnected()
    {
        var state = Akka.Cluster.Cluster.Get(Context.System).State;
        foreach (var member in state.Unreachable.Where(m => state.SeenBy.Contains(m.Address)))
            Execute(_model.NodeReachable(member.Address.ToString()));
    }

    void ClusterEventHandlers()
    {
        Command<ClusterEvent.UnreachableMember>(u => Execute(_model.NodeUnreachable(u.Member.Address.ToString())));
        Command<ClusterEvent.ReachableMember>(r => Execute(_model.NodeReachable(r.Member.Address.ToString())));
        Command<ClusterEvent.MemberRemoved>(r => Execute(_model.NodeRemoved(r.Member.Address.ToString())));
        Command<ClusterEvent.IMemberEvent>(_ => { });
        Command<ClusterEvent.IReachabilityEvent>(_ => { });
    }

    /// <summary>After the end: late registrations are told so; rank 0's last reports are still recorded.</summary>
    void Stopped()
    {
        Command<RegisterTrainer>(_ => Sender.Tell(new StopTraining(ControlProtocol.Version, "the run is over", false)));
        Command<RunEventReport>(WriteReported);
        Command<CollapseReport>(Continue);
        CommandAny(_ => { });
    }

    static string NodeOf(IActorRef sender) => sender.Path.Address.ToString();

    // ---- Carrying out the model's effects (in order; a Persist completes before the effects after it run)

    void Execute(IReadOnlyList<MembershipEffect> effects, int from = 0)
    {
        for (int i = from; i < effects.Count; i++)
        {
            switch (effects[i])
            {
                case Persist p:
                    PersistThenContinue(p.JournalEvent, effects, i + 1);
                    return;
                case ReplyRegistration reply:
                    if (!_trainers.TryGetValue(reply.TrainerId, out var registering)) break;
                    if (reply.Refusal == null)
                        registering.Tell(new RegistrationAccepted(ControlProtocol.Version, _settings.RunId, _spec.Cluster.Workers));
                    else
                    {
                        registering.Tell(new RegistrationRefused(ControlProtocol.Version, reply.Refusal));
                        _trainers.Remove(reply.TrainerId);
                    }
                    break;
                case AnnounceWorld world:
                    var formed = new WorldFormed(ControlProtocol.Version, world.Epoch, world.Plan.Members, world.Plan.StartStep,
                        world.Plan.ResumeCheckpoint, world.Plan.SourceRank, world.Plan.SourceHash, world.Plan.NeedState,
                        _collapse?.State.ToJson().ToJsonString());
                    foreach (var m in world.Plan.Members) TellTrainer(m.TrainerId, formed);
                    _run.WriteMemberNodes(world.Plan.Members.Where(m => _trainers.ContainsKey(m.TrainerId)).Select(m => NodeOf(_trainers[m.TrainerId])));
                    break;
                case AbortMember abort:
                    TellTrainer(abort.TrainerId, new AbortWorld(ControlProtocol.Version, abort.Epoch, abort.Reason, abort.Fenced));
                    break;
                case StopTrainer stop:
                    TellTrainer(stop.TrainerId, new StopTraining(ControlProtocol.Version, stop.Reason, stop.Failed));
                    break;
                case StopAll stop:
                    foreach (var t in _trainers.Values)
                        t.Tell(new StopTraining(ControlProtocol.Version, stop.Reason, stop.Failed, ByCollapseResponse: stop.ExitCode == ExitCodes.CollapseStopped));
                    break;
                case RaiseFence fence:
                    try
                    {
                        _run.RaiseFence(fence.Epoch);
                    }
                    catch (InvalidDataException e)
                    {
                        // The fence fails closed: nothing after this effect may happen (no abort, no world).
                        Execute(_model.FenceUnreadable(e.Message));
                        return;
                    }
                    break;
                case RecordEvent ev:
                    _run.Write(ev.Step, ev.Event);
                    var (inWorld, standby, suspects) = _model.Counts;
                    _settings.Metrics?.SetMembers(inWorld, standby, suspects);
                    break;
                case ProbeDataPlane probe:
                    var self = Self;
                    DataPlaneProbe.AnswersAsync(probe.Host, probe.Port, _settings.Timings.ProbeTimeout)
                        .ContinueWith(t => self.Tell(new ProbeResult(probe.TrainerId, probe.Token, t.IsCompletedSuccessfully && t.Result)));
                    break;
                case StartTimer timer:
                    Timers.StartSingleTimer(timer.Timer.Kind, timer.Timer, timer.After);
                    break;
                case CancelTimer cancel:
                    Timers.Cancel(cancel.Kind);
                    break;
                case ApplyRollback:
                    if (_rollback is { } back) _run.ArchiveRollback(back.Action, back.Flag, _collapse!);
                    _rollback = null;
                    break;
                case Finish finish:
                    Become(Stopped);
                    _settings.Finished(finish.ExitCode);
                    break;
                case Note note:
                    Note(note.Line);
                    break;
            }
        }
    }

    /// <summary>Writes a journal event; the effects after it run once it is stored (Akka stashes commands meanwhile).</summary>
    void PersistThenContinue(object journalEvent, IReadOnlyList<MembershipEffect> effects, int next)
    {
        if (journalEvent is EpochStarted started && _collapse != null)
            journalEvent = started with { CollapseStateJson = _collapse.State.ToJson().ToJsonString() };
        Persist(journalEvent, _ => Execute(effects, next));
    }

    void TellTrainer(string trainerId, object message)
    {
        if (_trainers.TryGetValue(trainerId, out var trainer)) trainer.Tell(message);
    }

    // ---- The collapse response (collapse.response.enabled): rank 0 reports while collapse_suspected is set.

    /// <summary>
    /// The responder, with the newest response state among the journal's, the newest checkpoint's and the last
    /// collapse_rollback event's: a restarted or resumed coordinator keeps the rollback count and the scales.
    /// </summary>
    CollapseSupervisor CreateCollapseSupervisor()
    {
        var state = CollapseResponseState.FromJson(_replayed.CollapseStateJson is { } json ? JsonNode.Parse(json) : null);
        state = CollapseResponseState.Latest(state, _run.RecordedCollapseState());
        if (state.Rollbacks > 0) Note($"collapse response: {state.Rollbacks} rollback(s) so far, lr scales {state.LrGScale:G4}/{state.LrDScale:G4}");
        return new CollapseSupervisor(_spec.Collapse.Response, state);
    }

    /// <summary>Outside a training world nothing is decided: rank 0 trains on and asks again at its next evaluation.</summary>
    void Continue(CollapseReport r) => Sender.Tell(new CollapseDecision(ControlProtocol.Version, r.Epoch, r.Step, CollapseDecision.Continue));

    /// <summary>
    /// Decides (<see cref="CollapseSupervisor"/>, the same pure logic as a single process) and answers rank 0. A
    /// rollback aborts the world; the next world forms from the chosen checkpoint with the new learning-rate scales.
    /// A stop ends the run with collapse_stopped, exit code 4.
    /// </summary>
    void OnCollapseReport(CollapseReport r)
    {
        var reply = new CollapseDecision(ControlProtocol.Version, r.Epoch, r.Step, CollapseDecision.Continue);
        if (_collapse == null || !_model.IsTraining(r.Epoch) || _rollback != null || _model.Ledger.Ended || _collapseStop != null)
        {
            Sender.Tell(reply);
            return;
        }
        var flag = CollapseFlagState.FromJson(JsonNode.Parse(r.FlagJson));
        switch (_collapse.Decide(r.Step, flag, _run.CollapseCandidates()))
        {
            case CollapseAction.RollBack back:
                Sender.Tell(reply with { Action = CollapseDecision.RollBack, Reason = back.Reason });
                Note("collapse response: " + back.Reason);
                _rollback = (back, flag);
                // Rank 0 completed the step it reports (and waits): the abort and what follows belong after it.
                Execute(_model.RollBack(new CheckpointRef(back.ToStep, _run.CheckpointDir(back.ToStep)),
                    $"collapse rollback {back.Number} to step {back.ToStep}", r.Epoch, r.Step));
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

    /// <summary>
    /// The collapse response stops the run: the trainers stop together (a voted stop after the next step; rank 0 then
    /// writes the final checkpoint and reports the end), and the coordinator ends events.jsonl with collapse_stopped
    /// (rank 0's end-of-run details plus the reason) instead of run_interrupted, then exits 4 (ExitCodes.CollapseStopped). Should rank 0 not
    /// report in time, the run ends all the same.
    /// </summary>
    void BeginCollapseStop(CollapseAction.Stop stop, CollapseFlagState flag)
    {
        _collapseStop = (stop, flag);
        var message = new StopTraining(ControlProtocol.Version, "collapse response: " + stop.Reason, true, ByCollapseResponse: true);
        foreach (var t in _trainers.Values) t.Tell(message);
        Timers.StartSingleTimer("collapse-stop", new CollapseStopTimeout(), _settings.Timings.CollapseStopTimeout);
        Become(() =>
        {
            Command<RunEventReport>(e =>
            {
                if (e.Kind != EventKind.RunInterrupted) { WriteReported(e); return; }
                EndCollapseStop(e.Step, ParseDetails(e.DetailsJson));
            });
            Command<CollapseStopTimeout>(_ => EndCollapseStop(Math.Max(stop.EffectiveStep, _model.Ledger.CommittedStep), null));
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
        _run.Write(step, EventKind.CollapseStopped, details);
        Become(Stopped);
        Execute(_model.EndRun(ExitCodes.CollapseStopped, "collapse response: " + stop.Reason, step));
    }

    void WriteReported(RunEventReport e) => _run.Write(e.Step, e.Kind, ParseDetails(e.DetailsJson));

    static JsonObject? ParseDetails(string json)
    {
        try { return JsonNode.Parse(json) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log(line);
    }

    /// <summary>
    /// The journal could not be replayed (it is unreadable, or recovery timed out under load). Akka stops the actor
    /// and the cluster singleton does not start it again, so the process would live on with no coordinator and no
    /// world would ever form. Exit non-zero instead: whoever supervises the process (Kubernetes, `local`, the bed)
    /// starts a new coordinator, which replays the journal again.
    /// </summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Note($"error: the coordinator's journal could not be replayed ({reason.GetType().Name}: {reason.Message}); exiting so that a new coordinator replays it");
        _settings.Finished(ExitCodes.Failure);
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _run.Dispose();
    }
}
