using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Membership;

/// <summary>
/// The coordinator's decisions about membership and recovery, as a pure model (docs/architecture.md, invariant 9):
/// events in (a trainer registered, reported, failed; a node turned unreachable; a probe answered; a timer fired),
/// effects out (<see cref="MembershipEffect"/>: announce a world, abort one, raise the fence, persist, write an event).
/// No Akka, no I/O: the coordinator actor carries messages to it and its effects out, and the property tests drive
/// it through generated sequences of kills, pauses, partitions and coordinator restarts.
/// <para>The rules that keep a fault on the faulty node (docs/fault-tolerance.md):</para>
/// <list type="bullet">
/// <item>Nobody is blamed on a data-plane report alone: when a world breaks, every previous member is asked to
/// re-register and its data-plane port is probed from here. A member that re-registers and answers the probe is in
/// the next world; one that is unreachable, removed, refuses the probe or stays silent for the recovery window is not.
/// So the cascade of aborts round the ring never makes a suspect of a healthy rank.</item>
/// <item>A coordinator that sees most of the world unreachable is the one cut off: it changes nothing (no abort, no
/// fence) and waits; the trainers train on without it.</item>
/// <item>A restarted coordinator adopts the running world from the members' heartbeats; only members silent for the
/// adopt grace are counted as gone.</item>
/// <item>A newcomer or a returning node joins once it is registered and its data plane answers the probe (no world
/// re-formation storm towards a node that cannot connect).</item>
/// </list>
/// </summary>
public sealed class MembershipModel
{
    readonly MembershipConfig _config;
    readonly IRunDirectoryView _run;
    readonly TimeProvider _time;
    readonly Dictionary<string, Trainer> _trainers = [];
    readonly HashSet<string> _unreachableNodes = [];
    readonly Dictionary<string, string> _finishedHashes = [];
    CoordinatorLedger _ledger = CoordinatorLedger.Empty;
    Phase _phase = Phase.NotStarted;
    World? _world;
    Healing? _healing;
    Recovery? _recovery;
    CheckpointRef? _rollback;
    bool _isolated;
    bool _settling;
    int _registrationOrder;
    long _probeToken;

    enum Phase { NotStarted, Waiting, Training, Recovering, Stopped }

    enum ProbeState { Unknown, Pending, Answered, Failed }

    /// <summary>A trainer the coordinator knows. Available: registered since it last left a world, so outside any.</summary>
    sealed class Trainer(TrainerReport report, int order)
    {
        public TrainerReport Report { get; set; } = report;
        public int Order { get; } = order;
        public bool Available { get; set; }
        public ProbeState Probe { get; set; }
        public long ProbeToken { get; set; }
    }

    /// <summary>The running world. Members may be partly unknown right after a coordinator restart (Adopted false).</summary>
    sealed class World(long epoch, IReadOnlyList<WorldMember> members, bool adopted)
    {
        public long Epoch { get; } = epoch;
        public SortedDictionary<int, WorldMember> Members { get; } = new(members.ToDictionary(m => m.Rank));
        public int Size { get; set; } = members.Count;
        public HashSet<string> Reported { get; } = [];
        public bool Adopted { get; set; } = adopted;

        /// <summary>The plan it was announced with (null: a world learned from its members' reports after a restart).</summary>
        public WorldPlan? Plan { get; init; }
        public bool Contains(string trainerId) => Members.Values.Any(m => m.TrainerId == trainerId);
        public IReadOnlyList<WorldMember> List => [.. Members.Values];
    }

    /// <summary>An aborted world being replaced: who was in it and who is known to be gone.</summary>
    sealed class Healing(long abortedEpoch, IReadOnlyList<WorldMember> previous, HashSet<string> dead)
    {
        public long AbortedEpoch { get; } = abortedEpoch;
        public IReadOnlyList<WorldMember> Previous { get; } = previous;
        public HashSet<string> Dead { get; } = dead;

        /// <summary>How many previous members were counted gone so far: a rise is a new loss, which restarts the quiet period.</summary>
        public int Lost { get; set; }

        /// <summary>No new loss for <see cref="ClusterTimings.LossQuiet"/>: the next world forms once the last probes are back.</summary>
        public bool Quiet { get; set; }

        /// <summary>The candidates probed once more when the quiet period ended.</summary>
        public HashSet<string> Confirming { get; } = [];
    }

    /// <summary>When and why the last world broke, until the next world completes a step.</summary>
    sealed record Recovery(long AbortedEpoch, long StartedAt, string Reason);

    public MembershipModel(MembershipConfig config, IRunDirectoryView run, TimeProvider? time = null)
    {
        _config = config;
        _run = run;
        _time = time ?? TimeProvider.System;
    }

    // ---- Queries (for the actor and for metrics)

    public CoordinatorLedger Ledger => _ledger;

    public bool Stopped => _phase == Phase.Stopped;

    /// <summary>The coordinator sees most of the running world unreachable: it is the one cut off, and waits.</summary>
    public bool Isolated => _isolated;

    /// <summary>A world is training (not being replaced) in this epoch.</summary>
    public bool IsTraining(long epoch) => _phase == Phase.Training && _world?.Epoch == epoch && _healing == null;

    public long? CurrentEpoch => _world?.Epoch;

    public IReadOnlyList<WorldMember> Members => _world?.List ?? [];

    /// <summary>Trainers in the world, available outside it, and known to be lost (for metrics).</summary>
    public (int InWorld, int Standby, int Suspects) Counts
    {
        get
        {
            int inWorld = _world?.Size ?? 0;
            int standby = _trainers.Values.Count(t => t.Available && _world?.Contains(t.Report.TrainerId) != true);
            return (inWorld, standby, _healing?.Dead.Count ?? 0);
        }
    }

    // ---- Queries for the control policy (who may send what, docs/security.md)

    /// <summary>The node a known trainer was last heard from; null when the trainer is not known (or was lost).</summary>
    public string? NodeOf(string trainerId) => _trainers.TryGetValue(trainerId, out var t) ? t.Report.Node : null;

    /// <summary>Whether some known trainer lives on <paramref name="node"/>.</summary>
    public bool KnowsNode(string node) => _trainers.Values.Any(t => t.Report.Node == node);

    /// <summary>A restarted coordinator has not yet learned every member of the world it adopted.</summary>
    public bool Relearning => _world is { Adopted: false };

    /// <summary>
    /// Whether <paramref name="trainerId"/> is a member of world <paramref name="epoch"/> (the running one, or the one
    /// being replaced); null when not known: an older world, or an adopted one whose members are not all learned yet.
    /// </summary>
    public bool? IsMemberOf(long epoch, string trainerId)
    {
        if (_healing is { } h && h.AbortedEpoch == epoch) return h.Previous.Any(m => m.TrainerId == trainerId);
        if (_world is { } w && w.Epoch == epoch) return w.Contains(trainerId) ? true : w.Adopted ? false : null;
        return null;
    }

    // ---- Events

    /// <summary>The journal has been replayed. <paramref name="resume"/>: the user asked to continue a run that ended.</summary>
    public IReadOnlyList<MembershipEffect> Start(CoordinatorLedger ledger, bool resume)
    {
        var fx = new List<MembershipEffect>();
        _ledger = ledger;
        if (ledger.Ended && !resume)
        {
            // A coordinator restarted after the end (a pod retried, say) repeats the run's verdict.
            fx.Add(new Note($"the run already ended at step {ledger.CommittedStep} (exit code {ledger.ExitCode}); nothing to do"));
            fx.Add(new Finish(ledger.ExitCode, "the run already ended", ledger.CommittedStep));
            _phase = Phase.Stopped;
            return fx;
        }
        // --resume continues a run that ended or whose every process is gone; a world in flight is adopted either way
        // (a restarted pod keeps its --resume), and if nobody of it is left the adoption falls through to the checkpoint.
        if (ledger.InFlight)
        {
            // This process replaced a coordinator that died (or was cut off) while world E trained. The trainers may
            // still be training it: adopt it from their heartbeats; decide nothing until they had time to speak.
            var members = ledger.World ?? ledger.Members.Select((id, rank) => new WorldMember(rank, id, "", 0)).ToList();
            _world = new World(ledger.Epoch, members, adopted: false);
            fx.Add(new RecordEvent(ledger.CommittedStep, new CoordinatorRecoveredEvent(ledger.Epoch, ledger.CommittedStep, members.Count)));
            fx.Add(new Note($"coordinator restarted: world {ledger.Epoch} was training at step {ledger.CommittedStep}; adopting it from its members' reports"));
            fx.Add(new StartTimer(new MembershipTimer(TimerKind.AdoptGrace, ledger.Epoch), _config.Timings.AdoptGrace));
            _phase = Phase.Training;
        }
        else _phase = Phase.Waiting;
        return fx;
    }

    /// <summary>A trainer registers (first time, or again after leaving a world).</summary>
    public IReadOnlyList<MembershipEffect> Register(TrainerReport report, int protocolVersion, string softwareVersion, string specHash)
    {
        var fx = new List<MembershipEffect>();
        if (_phase == Phase.Stopped)
        {
            fx.Add(new StopTrainer(report.TrainerId, "the run is over", false));
            return fx;
        }
        string? refusal = _config.RegistrationRefusal(protocolVersion, softwareVersion, specHash);
        if (refusal != null)
        {
            fx.Add(new Note($"refused trainer {report.TrainerId}: {refusal}"));
            fx.Add(new RecordEvent(EventStep, new TrainerRefusedEvent(report.TrainerId, refusal)));
            fx.Add(new ReplyRegistration(report.TrainerId, refusal));
            return fx;
        }
        bool isNew = !_trainers.TryGetValue(report.TrainerId, out var trainer);
        trainer ??= _trainers[report.TrainerId] = new Trainer(report, _registrationOrder++);
        trainer.Report = report;
        trainer.Available = true;
        if (isNew)
        {
            fx.Add(new Note($"trainer {report.TrainerId} registered ({report.Device}, data plane {report.DataHost}:{report.DataPort}" +
                            (report.Step >= 0 ? $", holding step {report.Step}" : "") + $"); {_trainers.Count} known"));
            fx.Add(new RecordEvent(EventStep, new MemberJoinedEvent(report.TrainerId, report.Device, report.Step)));
            fx.Add(new ReplyRegistration(report.TrainerId, null));
        }
        switch (_phase)
        {
            case Phase.Waiting:
                EnsureProbe(trainer, fx);
                TryFormWorld(fx);
                break;
            case Phase.Recovering:
                EnsureProbe(trainer, fx);
                TryFinishHealing(fx);
                break;
            case Phase.Training when _world!.Contains(report.TrainerId) && report.LastEpoch >= _world.Epoch:
                // A member registers from outside the world: its loop ended, so the world is broken.
                BeginRecovery($"trainer {report.TrainerId} left world {_world.Epoch}", [], fx);
                break;
            case Phase.Training when _world.Contains(report.TrainerId):
                // A member that never started this world: its announcement was lost (the coordinator was cut off when
                // it sent it) or is still on its way. Announce it again (a trainer ignores a world it already runs);
                // without the plan (a world learned after a restart) only a new world can reach it.
                if (_world.Plan is { } plan) fx.Add(new AnnounceWorld(_world.Epoch, plan));
                else BeginRecovery($"trainer {report.TrainerId} is outside world {_world.Epoch}", [], fx);
                break;
            case Phase.Training:
                EnsureProbe(trainer, fx); // a standby joins once its data plane answers (ProbeAnswered)
                MaybeGrow(trainer, fx);
                break;
        }
        return fx;
    }

    /// <summary>
    /// A member's report: every cluster.progress_every steps (and the first step of each world), or a heartbeat. A
    /// restarted coordinator learns the running world's members (and their nodes and endpoints) from these.
    /// </summary>
    public IReadOnlyList<MembershipEffect> Progress(string trainerId, string node, long epoch, int rank, long step, bool heartbeat,
        int worldSize, string dataHost, int dataPort)
    {
        var fx = new List<MembershipEffect>();
        if (!Learn(trainerId, node, epoch, rank, worldSize, dataHost, dataPort, fx)) return fx;
        if (_recovery != null && epoch > _recovery.AbortedEpoch && !heartbeat)
        {
            double seconds = Math.Round(_time.GetElapsedTime(_recovery.StartedAt).TotalSeconds, 3);
            fx.Add(new RecordEvent(step, new RecoveredEvent(epoch, seconds, _recovery.Reason, _world!.Size)));
            fx.Add(new Note($"recovered in {seconds:F1} s: world {epoch} completed step {step}"));
            _recovery = null;
        }
        if (rank == 0 && !heartbeat && step > _ledger.CommittedStep)
        {
            var committed = new StepCommitted(_config.ProtocolVersion, epoch, step);
            _ledger = _ledger.Apply(committed);
            fx.Add(new Persist(committed));
        }
        return fx;
    }

    /// <summary>A member reached the run's final step (repeated until the run ends: a coordinator may die meanwhile).</summary>
    public IReadOnlyList<MembershipEffect> Finished(string trainerId, string node, long epoch, int rank, long step, string replicaHash)
    {
        var fx = new List<MembershipEffect>();
        if (!Learn(trainerId, node, epoch, rank, _world?.Size ?? 0, null, 0, fx) || _healing != null || _phase != Phase.Training) return fx;
        _finishedHashes[trainerId] = replicaHash;
        if (!_world!.Adopted || _world.Members.Values.Any(m => !_finishedHashes.ContainsKey(m.TrainerId))) return fx;
        var hashes = _world.Members.Values.Select(m => _finishedHashes[m.TrainerId]).ToList();
        bool identical = hashes.Distinct().Count() == 1;
        fx.Add(new RecordEvent(step, new RunCompleteEvent(_world.Size, identical, hashes[0], _world.Epoch)));
        fx.Add(new Note(identical
            ? $"done: {step} steps; all {_world.Size} replicas identical ({Short(hashes[0])})"
            : $"done: {step} steps, but replica hashes differ: {string.Join(", ", hashes.Select(Short))}"));
        End(identical ? 0 : 1, "run complete", step, fx);
        return fx;
    }

    /// <summary>
    /// A member's training loop failed in world <paramref name="epoch"/>. <paramref name="blamedRank"/> (the peer
    /// its data plane named) is logged, never acted on: the ring's cascade of aborts makes healthy ranks name each
    /// other, so who is gone is decided by re-registration, probes and reachability (see the class remarks).
    /// </summary>
    public IReadOnlyList<MembershipEffect> Failed(string trainerId, long epoch, long step, string reason, bool fatal, int? blamedRank)
    {
        var fx = new List<MembershipEffect>();
        if (_world == null || epoch != _world.Epoch || _phase is Phase.Stopped) return fx;
        if (fatal)
        {
            fx.Add(new RecordEvent(step, new TrainerFailedEvent(trainerId, reason, Fatal: true)));
            End(1, $"trainer {trainerId}: {reason}", step, fx);
            return fx;
        }
        if (_healing != null) return fx; // already being replaced: the report is evidence of the same failure
        string blame = blamedRank is int r && _world.Members.TryGetValue(r, out var peer) ? $" (its data plane names {peer.TrainerId})" : "";
        BeginRecovery($"trainer {trainerId} at step {step}: {reason}{blame}", [], fx);
        return fx;
    }

    /// <summary>A trainer leaves the run for good (its loop failed more often than cluster.max_restarts allows).</summary>
    public IReadOnlyList<MembershipEffect> Leaving(string trainerId, string reason)
    {
        var fx = new List<MembershipEffect>();
        fx.Add(new RecordEvent(EventStep, new TrainerLeftEvent(trainerId, reason)));
        Lost(trainerId, $"trainer {trainerId} left: {reason}", fx);
        return fx;
    }

    /// <summary>The cluster's failure detector marks a node unreachable (paused, cut off, or dead and not yet removed).</summary>
    public IReadOnlyList<MembershipEffect> NodeUnreachable(string node)
    {
        var fx = new List<MembershipEffect>();
        if (!_unreachableNodes.Add(node)) return fx;
        foreach (var t in TrainersOn(node)) t.Probe = ProbeState.Unknown;
        Settle(fx);
        return fx;
    }

    /// <summary>
    /// In a partition of this coordinator every member turns unreachable within about a second (and reachable again
    /// within about a second of the heal): wait before judging, so that the coordinator sees whether it is the one
    /// alone, and never aborts a healthy world on a half-seen change.
    /// </summary>
    void Settle(List<MembershipEffect> fx)
    {
        if (_settling || _phase == Phase.Stopped) return;
        _settling = true;
        fx.Add(new StartTimer(new MembershipTimer(TimerKind.UnreachableSettle, 0), _config.Timings.UnreachableSettle));
    }

    /// <summary>A node answers again.</summary>
    public IReadOnlyList<MembershipEffect> NodeReachable(string node)
    {
        var fx = new List<MembershipEffect>();
        if (!_unreachableNodes.Remove(node)) return fx;
        if (_isolated && !CutOff())
        {
            _isolated = false;
            fx.Add(new Note("the coordinator reaches the world's members again; it takes up its duties"));
            fx.Add(new RecordEvent(EventStep, new CoordinatorReconnectedEvent(_world?.Epoch ?? 0)));
            // The other members turn reachable over the next second or so; those still unreachable after the settle
            // time are the faulty ones.
            if (_unreachableNodes.Count > 0) Settle(fx);
        }
        return fx;
    }

    /// <summary>A node left the cluster (downed and removed, or gone for good): its trainers are lost.</summary>
    public IReadOnlyList<MembershipEffect> NodeRemoved(string node)
    {
        var fx = new List<MembershipEffect>();
        _unreachableNodes.Remove(node);
        foreach (var t in TrainersOn(node).ToList())
            Lost(t.Report.TrainerId, $"trainer {t.Report.TrainerId} left the cluster", fx);
        return fx;
    }

    /// <summary>The outcome of a <see cref="ProbeDataPlane"/> effect.</summary>
    public IReadOnlyList<MembershipEffect> ProbeAnswered(string trainerId, long token, bool answered)
    {
        var fx = new List<MembershipEffect>();
        if (!_trainers.TryGetValue(trainerId, out var t) || t.ProbeToken != token || t.Probe != ProbeState.Pending) return fx;
        t.Probe = answered ? ProbeState.Answered : ProbeState.Failed;
        if (!answered)
            fx.Add(new Note($"trainer {trainerId}'s data plane ({t.Report.DataHost}:{t.Report.DataPort}) does not answer from the coordinator"));
        switch (_phase)
        {
            case Phase.Recovering: TryFinishHealing(fx); break;
            case Phase.Waiting: TryFormWorld(fx); break;
            case Phase.Training: MaybeGrow(t, fx); break;
        }
        return fx;
    }

    public IReadOnlyList<MembershipEffect> TimerFired(MembershipTimer timer)
    {
        var fx = new List<MembershipEffect>();
        switch (timer.Kind)
        {
            case TimerKind.RecoveryWindow when _healing?.AbortedEpoch == timer.Token:
                FormNextWorld(fx);
                break;
            case TimerKind.LossQuiet when _healing is { } h && h.AbortedEpoch == timer.Token && _phase == Phase.Recovering:
                ConfirmCandidates(h, fx);
                break;
            case TimerKind.UnreachableSettle:
                _settling = false;
                JudgeUnreachable(fx);
                break;
            case TimerKind.AdoptGrace when _world is { Adopted: false } w && w.Epoch == timer.Token && _healing == null && _phase == Phase.Training:
                var silent = w.Members.Values.Where(m => !w.Reported.Contains(m.TrainerId)).Select(m => m.TrainerId).ToList();
                if (w.Reported.Count == 0 && !Candidates(w.Epoch).Any())
                {
                    // Nobody at all has spoken yet (the trainers may be restarting too): keep waiting.
                    fx.Add(new Note($"no member of world {w.Epoch} and no other trainer has reported yet; waiting"));
                    fx.Add(new StartTimer(timer, _config.Timings.AdoptGrace));
                    break;
                }
                BeginRecovery($"{silent.Count} member(s) of world {w.Epoch} did not report after the coordinator restarted",
                    [.. silent], fx);
                break;
        }
        return fx;
    }

    /// <summary>
    /// The collapse response rolls back: rank 0 completed <paramref name="reportedStep"/> (and waits), the world is
    /// aborted and the next one starts from <paramref name="to"/> on every rank.
    /// </summary>
    public IReadOnlyList<MembershipEffect> RollBack(CheckpointRef to, string reason, long epoch, long reportedStep)
    {
        var fx = new List<MembershipEffect>();
        if (!IsTraining(epoch)) return fx;
        var committed = new StepCommitted(_config.ProtocolVersion, epoch, reportedStep);
        _ledger = _ledger.Apply(committed);
        fx.Add(new Persist(committed));
        _rollback = to;
        BeginRecovery(reason, [], fx);
        return fx;
    }

    /// <summary>
    /// The world fence file holds no epoch (altered or damaged): the fence fails closed, so no world can be formed or
    /// fenced off safely. The run ends with exit code 1, naming the file (<paramref name="problem"/>).
    /// </summary>
    public IReadOnlyList<MembershipEffect> FenceUnreadable(string problem)
    {
        var fx = new List<MembershipEffect>();
        EndOnUnreadableFence(problem, fx);
        return fx;
    }

    void EndOnUnreadableFence(string problem, List<MembershipEffect> fx)
    {
        fx.Add(new Note($"error: {problem}"));
        End(ExitCodes.Failure, problem, EventStep, fx);
    }

    /// <summary>The run ends with <paramref name="exitCode"/> (<see cref="ExitCodes"/>; bad input: nothing is recorded).</summary>
    public IReadOnlyList<MembershipEffect> EndRun(int exitCode, string reason, long step)
    {
        var fx = new List<MembershipEffect>();
        End(exitCode, reason, step, fx);
        return fx;
    }

    // ---- Membership

    /// <summary>
    /// Records what a member's report tells (its node, endpoint, rank); adopts a world a restarted coordinator
    /// inherited, or a newer one its journal missed. False when the report is not about the current world.
    /// </summary>
    bool Learn(string trainerId, string node, long epoch, int rank, int worldSize, string? dataHost, int dataPort, List<MembershipEffect> fx)
    {
        if (_phase is Phase.Stopped or Phase.NotStarted) return false;
        if (epoch > (_world?.Epoch ?? _ledger.Epoch) && _healing == null)
        {
            // Trainers hold a world newer than the journal's (the journal lost its last write): they are the truth.
            _world = new World(epoch, [], adopted: false) { Size = worldSize };
            _phase = Phase.Training;
            fx.Add(new Note($"trainers report world {epoch}, newer than the journal's {_ledger.Epoch}; adopting it"));
            fx.Add(new StartTimer(new MembershipTimer(TimerKind.AdoptGrace, epoch), _config.Timings.AdoptGrace));
        }
        if (_world == null || epoch != _world.Epoch) return false;
        if (!_trainers.TryGetValue(trainerId, out var trainer))
            trainer = _trainers[trainerId] = new Trainer(new TrainerReport(trainerId, node, dataHost ?? "", dataPort, ""), _registrationOrder++);
        trainer.Report = trainer.Report with
        {
            Node = node,
            DataHost = dataHost ?? trainer.Report.DataHost,
            DataPort = dataHost != null ? dataPort : trainer.Report.DataPort,
        };
        if (!_world.Members.TryGetValue(rank, out var member) || member.TrainerId != trainerId || (member.DataHost.Length == 0 && dataHost != null))
            _world.Members[rank] = new WorldMember(rank, trainerId, trainer.Report.DataHost, trainer.Report.DataPort);
        if (worldSize > 0) _world.Size = Math.Max(_world.Size, worldSize);
        _world.Reported.Add(trainerId);
        if (!_world.Adopted && _world.Members.Count == _world.Size && _world.Members.Values.All(m => _world.Reported.Contains(m.TrainerId)))
        {
            _world.Adopted = true;
            fx.Add(new CancelTimer(TimerKind.AdoptGrace));
            fx.Add(new Note($"all {_world.Size} member(s) of world {_world.Epoch} reported; it trains on under this coordinator"));
            fx.Add(new RecordEvent(EventStep, new WorldAdoptedEvent(_world.Epoch, _world.Size)));
            // Trainers that registered while the members reconnected were held back: grow the world now.
            if (_trainers.Values.FirstOrDefault(t => t.Available && !_world.Contains(t.Report.TrainerId)) is { } standby) MaybeGrow(standby, fx);
        }
        return true;
    }

    /// <summary>A trainer is gone (left, removed, unreachable while this side holds the majority): heal its world.</summary>
    void Lost(string trainerId, string reason, List<MembershipEffect> fx)
    {
        _trainers.Remove(trainerId); // if it is alive after all, it registers again
        if (_phase == Phase.Stopped || _world == null) return;
        if (_healing != null)
        {
            _healing.Dead.Add(trainerId);
            TryFinishHealing(fx);
            return;
        }
        if (!_world.Contains(trainerId)) return;
        fx.Add(new RecordEvent(EventStep, new MemberLostEvent(trainerId, _world.Epoch, reason)));
        BeginRecovery(reason, [trainerId], fx);
    }

    /// <summary>
    /// Members turned unreachable a moment ago. If most of the world is unreachable, this coordinator is the one cut
    /// off: it does nothing (an abort it cannot deliver, or a fence raised on the shared volume, would stop a healthy
    /// world). Otherwise the unreachable members are lost and the world heals without them.
    /// </summary>
    void JudgeUnreachable(List<MembershipEffect> fx)
    {
        if (_world == null || _phase == Phase.Stopped) return;
        var unreachable = UnreachableMembers().ToList();
        if (unreachable.Count == 0) return;
        if (CutOff())
        {
            if (!_isolated)
            {
                _isolated = true;
                fx.Add(new Note($"the coordinator cannot reach {unreachable.Count} of {_world.Size} member(s): it is the one cut off; " +
                                "it waits, and the trainers train on without it"));
                fx.Add(new RecordEvent(EventStep, new CoordinatorIsolatedEvent(_world.Epoch, unreachable.Count, _world.Size)));
            }
            return;
        }
        foreach (var id in unreachable) Lost(id, $"trainer {id} is unreachable (paused or cut off)", fx);
    }

    /// <summary>
    /// The coordinator is on the minority side: it reaches fewer of the world's members than it cannot reach (its
    /// own half vote breaks a tie: a world of two with one unreachable member is healed).
    /// </summary>
    bool CutOff()
    {
        if (_world == null) return false;
        int unreachable = UnreachableMembers().Count();
        return unreachable > 0 && _world.Size - unreachable + 0.5 < unreachable;
    }

    IEnumerable<string> UnreachableMembers() => _world == null ? [] :
        _world.Members.Values.Select(m => m.TrainerId)
            .Where(id => _trainers.TryGetValue(id, out var t) && _unreachableNodes.Contains(t.Report.Node));

    IEnumerable<Trainer> TrainersOn(string node) => _trainers.Values.Where(t => t.Report.Node == node);

    void EnsureProbe(Trainer t, List<MembershipEffect> fx)
    {
        if (t.Probe is ProbeState.Pending or ProbeState.Answered || t.Report.DataPort <= 0) return;
        Probe(t, fx);
    }

    void Probe(Trainer t, List<MembershipEffect> fx)
    {
        t.Probe = ProbeState.Pending;
        t.ProbeToken = ++_probeToken;
        fx.Add(new ProbeDataPlane(t.Report.TrainerId, t.Report.DataHost, t.Report.DataPort, t.ProbeToken));
    }

    /// <summary>
    /// The coordinator's probes are evidence only while it can reach some data plane at all: when every probed trainer
    /// fails (its own network is cut, or a NetworkPolicy keeps it out of the data plane), probes are ignored.
    /// </summary>
    bool RefereeUnreliable()
    {
        var probed = _trainers.Values.Where(t => t.Probe is ProbeState.Answered or ProbeState.Failed).ToList();
        return probed.Count >= 2 && probed.All(t => t.Probe == ProbeState.Failed);
    }

    /// <summary>Trainers that could be in the next world: registered outside any world, reachable, not gone, and whose data plane answers.</summary>
    IEnumerable<Trainer> Candidates(long abortedEpoch)
    {
        bool unreliable = RefereeUnreliable();
        var dead = _healing?.Dead ?? [];
        return _trainers.Values.Where(t => t.Available && !_unreachableNodes.Contains(t.Report.Node) && !dead.Contains(t.Report.TrainerId)
                                           && (t.Probe != ProbeState.Failed || unreliable));
    }

    // ---- Worlds

    void TryFormWorld(List<MembershipEffect> fx)
    {
        // The first world waits for all workers; later ones (after a failure) need only min_workers.
        int needed = _ledger.Epoch == 0 ? _config.Workers : _config.MinWorkers;
        if (Candidates(0).Count() >= needed) FormNextWorld(fx);
    }

    /// <summary>A standby can join: abort the world at once so the next one includes it (and every member re-registers).</summary>
    void MaybeGrow(Trainer standby, List<MembershipEffect> fx)
    {
        if (_phase != Phase.Training || _world is not { Adopted: true } || _healing != null || _ledger.Ended || _isolated) return;
        if (_world.Size >= _config.Workers || _world.Contains(standby.Report.TrainerId) || !standby.Available) return;
        if (_unreachableNodes.Contains(standby.Report.Node)) return;
        if (standby.Probe != ProbeState.Answered && !(standby.Probe == ProbeState.Failed && RefereeUnreliable())) return;
        BeginRecovery($"trainer {standby.Report.TrainerId} can join (world {_world.Size} of {_config.Workers})", [], fx);
    }

    /// <summary>
    /// Abandons the running world: fence it, tell its members, and collect who is alive (re-registration) and whose
    /// data plane answers (probes) until every previous member is accounted for or the recovery window closes.
    /// </summary>
    void BeginRecovery(string reason, IReadOnlyCollection<string> dead, List<MembershipEffect> fx)
    {
        if (_world == null) return;
        if (_healing != null)
        {
            foreach (var d in dead) _healing.Dead.Add(d);
            TryFinishHealing(fx);
            return;
        }
        long epoch = _world.Epoch;
        fx.Add(new Note($"world {epoch} aborted: {reason}"));
        fx.Add(new RaiseFence(epoch + 1)); // nothing of the abandoned world may be written from now on
        fx.Add(new RecordEvent(_ledger.CommittedStep < 0 ? 0 : _ledger.CommittedStep, new WorldAbortedEvent(epoch, reason, dead.ToList())));
        var previous = _world.List;
        foreach (var m in previous)
        {
            fx.Add(new AbortMember(m.TrainerId, epoch, reason, Fenced: dead.Contains(m.TrainerId)));
            if (!_trainers.TryGetValue(m.TrainerId, out var t)) continue;
            // It must re-register from outside the world, unless it already did after leaving this one.
            if (!(t.Available && t.Report.LastEpoch >= epoch)) t.Available = false;
            if (!dead.Contains(m.TrainerId) && t.Report.DataPort > 0) Probe(t, fx);
        }
        _healing = new Healing(epoch, previous, [.. dead]);
        _recovery = new Recovery(epoch, _time.GetTimestamp(), reason);
        _phase = Phase.Recovering;
        fx.Add(new StartTimer(new MembershipTimer(TimerKind.RecoveryWindow, epoch), _config.RecoveryWindow));
        TryFinishHealing(fx);
    }

    /// <summary>
    /// Forms the next world once every previous member is accounted for (gone, or back outside the world with its probe
    /// answered or failed) and, if any member was lost, once the losses have stopped: see <see cref="CoalesceLosses"/>.
    /// </summary>
    void TryFinishHealing(List<MembershipEffect> fx)
    {
        if (_healing is not { } h || _phase != Phase.Recovering) return;
        CoalesceLosses(h, fx);
        bool accounted = h.Previous.All(m => h.Dead.Contains(m.TrainerId) || Accounted(m.TrainerId));
        // Nobody lost, or nobody left to wait for (the world is gone: the next one forms from whoever registers), or the
        // losses have stopped and the last probes are back.
        bool settled = h.Lost == 0 || h.Lost == h.Previous.Count
                       || (h.Quiet && h.Confirming.All(id => !_trainers.TryGetValue(id, out var t) || t.Probe != ProbeState.Pending));
        if (accounted && settled) FormNextWorld(fx);
    }

    /// <summary>
    /// Failures close together become one new world (issue 21, docs/fault-tolerance.md). Every survivor re-registers
    /// within milliseconds of a loss, so forming the world as soon as all are accounted for formed one world per
    /// failure when trainers died a few hundred ms apart, and even for kills milliseconds apart (the second victim
    /// re-registered, answered its probe, then died in the new world). So after a loss the next world waits until no
    /// new loss has been seen for <see cref="ClusterTimings.LossQuiet"/> (each new one restarts it; the recovery window
    /// caps the whole), then probes every candidate once more (<see cref="ConfirmCandidates"/>). A recovery that lost
    /// nobody (a trainer joining, a rollback) forms at once, as before.
    /// </summary>
    void CoalesceLosses(Healing h, List<MembershipEffect> fx)
    {
        int lost = h.Previous.Count(m => Gone(h, m.TrainerId));
        if (lost <= h.Lost) return;
        h.Lost = lost;
        h.Quiet = false;
        h.Confirming.Clear();
        fx.Add(new StartTimer(new MembershipTimer(TimerKind.LossQuiet, h.AbortedEpoch), _config.Timings.LossQuiet));
    }

    /// <summary>
    /// The quiet period after the newest loss is over: probe every candidate whose data plane answered once more. A
    /// trainer killed meanwhile has no ring left to report it, but its port now refuses: that is a new loss (and a new
    /// quiet period); when every probe is back without one, the next world forms.
    /// </summary>
    void ConfirmCandidates(Healing h, List<MembershipEffect> fx)
    {
        h.Quiet = true;
        h.Confirming.Clear();
        foreach (var t in Candidates(h.AbortedEpoch).Where(t => t.Probe == ProbeState.Answered).ToList())
        {
            h.Confirming.Add(t.Report.TrainerId);
            Probe(t, fx);
        }
        TryFinishHealing(fx);
    }

    /// <summary>A previous member is gone: counted lost, forgotten (lost), unreachable, or its data plane refuses.</summary>
    bool Gone(Healing h, string trainerId) => h.Dead.Contains(trainerId) || !_trainers.TryGetValue(trainerId, out var t)
        || _unreachableNodes.Contains(t.Report.Node) || (t.Probe == ProbeState.Failed && !RefereeUnreliable());

    /// <summary>
    /// A previous member is accounted for when it is unreachable, its data plane refused the probe (a dead process, or
    /// a cut-off data plane: it cannot be in the next world either way), or it is back outside the world with its probe
    /// answered (or no data plane to probe).
    /// </summary>
    bool Accounted(string trainerId) => _trainers.TryGetValue(trainerId, out var t) && (_unreachableNodes.Contains(t.Report.Node)
        || (t.Probe == ProbeState.Failed && !RefereeUnreliable())
        || (t.Available && (t.Probe is ProbeState.Answered or ProbeState.Failed || t.Report.DataPort <= 0)));

    void FormNextWorld(List<MembershipEffect> fx)
    {
        fx.Add(new CancelTimer(TimerKind.RecoveryWindow));
        if (_healing is { Lost: > 0 }) fx.Add(new CancelTimer(TimerKind.LossQuiet));
        var previousRanks = (_healing?.Previous ?? _world?.List ?? []).ToDictionary(m => m.TrainerId, m => m.Rank);
        var candidates = Candidates(_healing?.AbortedEpoch ?? 0)
            .Select(t => new Candidate(t.Report.TrainerId, t.Report.DataHost, t.Report.DataPort, t.Report.Step, t.Report.StateHash,
                previousRanks.GetValueOrDefault(t.Report.TrainerId, -1), Candidate.OrderOf(t.Report.RankHint, t.Order)))
            .ToList();
        int minimum = _ledger.Epoch == 0 ? _config.Workers : _config.MinWorkers;
        var rollback = _rollback;
        var plan = WorldPlanner.Plan(candidates, _config.Workers, minimum, _run.NewestValidCheckpoint(), rollback);
        long fence = 0;
        try
        {
            if (plan != null) fence = _run.FenceEpoch();
        }
        catch (InvalidDataException e)
        {
            EndOnUnreadableFence(e.Message, fx); // before any change: the run ends as it stood
            return;
        }
        var healing = _healing;
        _healing = null;
        if (plan == null)
        {
            fx.Add(new Note($"{candidates.Count} trainer(s) available, {minimum} needed: waiting for replacements"));
            fx.Add(new RecordEvent(EventStep, new WaitingForTrainersEvent(candidates.Count, minimum)));
            _world = null;
            _phase = Phase.Waiting;
            return;
        }
        long epoch = Math.Max(_ledger.Epoch, fence) + 1;
        if (rollback != null)
        {
            fx.Add(new ApplyRollback(rollback.Step));
            _rollback = null;
        }
        else if (plan.ResumeCheckpoint != null && _ledger.CommittedStep > plan.StartStep)
        {
            // No live replica holds the committed step (half or more of the world failed at once): say so.
            string lost = $"{_ledger.CommittedStep - plan.StartStep} step(s)";
            fx.Add(new Note($"no live replica holds step {_ledger.CommittedStep}: falling back to checkpoint step {plan.StartStep} ({lost} lost)"));
            fx.Add(new RecordEvent(plan.StartStep, new CheckpointFallbackEvent(_ledger.CommittedStep, plan.StartStep, plan.ResumeCheckpoint, healing != null
                    ? $"{healing.Dead.Count} of {healing.Previous.Count} member(s) of world {healing.AbortedEpoch} lost"
                    : "no live replica holds the committed step")));
        }
        var started = new EpochStarted(_config.ProtocolVersion, epoch, plan.StartStep, plan.Members.Select(m => m.TrainerId).ToList(),
            Rollback: rollback != null, World: plan.Members);
        _ledger = _ledger.Apply(started);
        fx.Add(new Persist(started));
        fx.Add(new RaiseFence(epoch));
        fx.Add(new AnnounceWorld(epoch, plan));
        fx.Add(new RecordEvent(plan.StartStep, new WorldFormedEvent(epoch, plan.Members.Count, plan.StartStep, plan.SourceRank, plan.NeedState,
            plan.ResumeCheckpoint, plan.Members.Select(m => new RankedTrainer(m.Rank, m.TrainerId)).ToList())));
        fx.Add(new Note($"world {epoch} formed: {plan.Members.Count} rank(s), from step {plan.StartStep}" +
                        (plan.SourceRank is int s ? $", state from rank {s} to rank(s) {string.Join(",", plan.NeedState)}" : "") +
                        (plan.ResumeCheckpoint != null ? $", from checkpoint {Path.GetFileName(plan.ResumeCheckpoint)}" : "")));
        foreach (var m in plan.Members) _trainers[m.TrainerId].Available = false;
        _world = new World(epoch, plan.Members, adopted: true) { Plan = plan };
        _finishedHashes.Clear();
        _phase = Phase.Training;
    }

    void End(int exitCode, string reason, long step, List<MembershipEffect> fx)
    {
        if (_phase == Phase.Stopped) return;
        _phase = Phase.Stopped;
        fx.Add(new StopAll(reason, exitCode));
        if (exitCode == ExitCodes.BadInput)
        {
            fx.Add(new Finish(2, reason, step)); // nothing started: nothing to record
            return;
        }
        var ended = new RunEnded(_config.ProtocolVersion, exitCode, step);
        _ledger = _ledger.Apply(ended);
        fx.Add(new Persist(ended));
        fx.Add(new Finish(exitCode, reason, step));
    }

    /// <summary>Events without a step of their own are stamped with the newest committed step.</summary>
    long EventStep => Math.Max(0, _ledger.CommittedStep);

    static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
