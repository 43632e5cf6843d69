using GanCluster.Core.Membership;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Tests.Membership;

/// <summary>A fault the nemesis applies to one host (trainer slot 0..n-1, or the coordinator) for a while.</summary>
public enum FaultKind { Kill, Pause, Partition, DataPartition, ControlPartition }

/// <param name="Target">trainer slot, or -1 for the coordinator</param>
/// <param name="At">seconds after the first world formed</param>
/// <param name="Seconds">how long it lasts (a kill: the process is restarted by its supervisor)</param>
public sealed record Fault(FaultKind Kind, int Target, double At, double Seconds)
{
    public override string ToString() => $"{Kind} {(Target < 0 ? "coordinator" : $"t{Target}")} at {At:F1}s for {Seconds:F1}s";
}

/// <summary>
/// A discrete-event simulation of a run, driving the real <see cref="MembershipModel"/> the way the coordinator actor
/// does, with trainers that behave like TrainerActor (register outside a world, heartbeat inside one, report a broken
/// ring and re-register at once, rejoin after a restart) over a simulated network with the detection delays of the
/// real cluster (failure detector, split-brain decision, data-plane link timeout, supervisor restarts). A stand-in for
/// the real processes: it exercises every decision of the model over many generated fault schedules in milliseconds;
/// the multi-host test bed checks the same promises with real processes on a few fixed schedules.
/// </summary>
public sealed class ClusterSimulation
{
    // Timings of the real system (docs/fault-tolerance.md), in simulated seconds.
    const double ConnectTimeout = 30, StepSeconds = 0.1, Latency = 0.002, Detect = 5, StableAfter = 5, ReachableAgain = 1, LinkTimeout = 10,
        OperationTimeout = 30, Heartbeat = 2, RegisterEvery = 2, RestartDelay = 3, CoordinatorRestartDelay = 4, ProbeTimeout = 1;
    const int ProgressEvery = 10, CheckpointEvery = 50;

    readonly ManualTime _time = new();
    readonly PriorityQueue<Action, (double, long)> _queue = new();
    readonly Host[] _hosts;
    readonly Host _coordinatorHost = new(-1);
    readonly List<Trainer> _trainers = [];
    readonly List<object> _journal = [];
    readonly FakeRunDirectory _run = new();
    readonly MembershipConfig _config;
    readonly Dictionary<TimerKind, long> _timerGeneration = [];
    readonly Dictionary<string, double> _unreachableSince = [];
    readonly HashSet<string> _reportedUnreachable = [];
    readonly List<Fault> _faults;
    long _seq;
    MembershipModel? _model;
    WorldRun? _world;
    double _now;

    public ClusterSimulation(int trainers, long totalSteps, IEnumerable<Fault> faults)
    {
        TotalSteps = totalSteps;
        _hosts = Enumerable.Range(0, trainers).Select(i => new Host(i)).ToArray();
        _config = new MembershipConfig(trainers, 1, TimeSpan.FromSeconds(3), 1, "1.0", "spec");
        _faults = [.. faults];
    }

    public long TotalSteps { get; }

    // ---- What the checker reads
    public List<(double Time, string Kind, string Detail)> History { get; } = [];
    public List<(double Time, long Epoch, IReadOnlyList<string> Members, long StartStep, string? Checkpoint, long Committed)> Worlds { get; } = [];
    public List<(double Time, int Slot, string Why)> Restarts { get; } = [];
    public List<string> Violations { get; } = [];
    public List<(double Time, long Step)> Steps { get; } = [];
    public int? CoordinatorExit { get; private set; }
    public IReadOnlyDictionary<string, long> FinishedSteps => _finished;
    readonly Dictionary<string, long> _finished = [];
    public double FirstWorldAt { get; private set; } = double.NaN;
    public IReadOnlyList<Fault> Faults => _faults;

    sealed class Host(int slot)
    {
        public int Slot { get; } = slot;
        public bool Paused, ControlCut, DataCut;
        public double DataCutSince;
        public readonly List<Action> Inbox = [];
    }

    sealed class Trainer(ClusterSimulation sim, int slot, int incarnation)
    {
        public int Slot { get; } = slot;
        public string Id { get; } = $"t{slot}.{incarnation}";
        public string Node { get; } = $"node-{slot}-{incarnation}";
        public bool Alive = true;
        public long Step = -1;
        public long LastEpoch;
        public long InWorld;
        public Host Host => sim._hosts[Slot];
        public bool Running => Alive && !Host.Paused;
    }

    /// <summary>One world: its members, who has joined, and its progress.</summary>
    sealed class WorldRun(long epoch, IReadOnlyList<WorldMember> members, long start)
    {
        public long Epoch { get; } = epoch;
        public IReadOnlyList<WorldMember> Members { get; } = members;
        public long Step = start;
        public double StartedAt;
        public bool Broken;
        public double StalledSince = double.NaN;
    }

    // ---- The event loop

    void At(double time, Action action) => _queue.Enqueue(action, (time, _seq++));

    void After(double seconds, Action action) => At(_now + seconds, action);

    public ClusterSimulation Run(double limitSeconds)
    {
        _model = new MembershipModel(_config, _run, _time);
        Exec(_model.Start(CoordinatorLedger.Empty, false));
        for (int i = 0; i < _hosts.Length; i++) StartTrainer(i, 0);
        After(0.25, Observe);
        while (_queue.TryDequeue(out var action, out var key))
        {
            if (key.Item1 > limitSeconds || CoordinatorExit != null && _trainers.All(t => !t.Alive)) break;
            _time.Advance(TimeSpan.FromSeconds(key.Item1 - _now));
            _now = key.Item1;
            action();
        }
        return this;
    }

    void ScheduleFaults()
    {
        foreach (var f in _faults) At(FirstWorldAt + f.At, () => Apply(f));
    }

    void Apply(Fault f)
    {
        History.Add((_now, "fault", f.ToString()));
        var host = f.Target < 0 ? _coordinatorHost : _hosts[f.Target];
        switch (f.Kind)
        {
            case FaultKind.Kill when f.Target < 0:
                KillCoordinator();
                break;
            case FaultKind.Kill:
                if (Current(f.Target) is { Alive: true } victim) Exit(victim, "killed");
                break;
            case FaultKind.Pause:
                host.Paused = true;
                After(f.Seconds, () => Resume(host));
                break;
            default:
                bool control = f.Kind is FaultKind.Partition or FaultKind.ControlPartition, data = f.Kind is FaultKind.Partition or FaultKind.DataPartition;
                if (control) host.ControlCut = true;
                if (data) { host.DataCut = true; host.DataCutSince = _now; }
                After(f.Seconds, () =>
                {
                    if (control) host.ControlCut = false;
                    if (data) host.DataCut = false;
                    History.Add((_now, "heal", f.ToString()));
                    Flush(host);
                });
                break;
        }
    }

    void Resume(Host host)
    {
        host.Paused = false;
        History.Add((_now, "resume", host.Slot < 0 ? "coordinator" : $"t{host.Slot}"));
        Flush(host);
        if (host.Slot >= 0 && Current(host.Slot) is { } t && _world is { } w && t.InWorld == w.Epoch && w.Broken) LeaveWorld(t, w.Epoch);
    }

    void Flush(Host host)
    {
        if (host.Paused) return;
        var inbox = host.Inbox.ToList();
        host.Inbox.Clear();
        foreach (var deliver in inbox) After(Latency, deliver);
    }

    Trainer? Current(int slot) => _trainers.LastOrDefault(t => t.Slot == slot);

    Trainer? ById(string id) => _trainers.FirstOrDefault(t => t.Id == id && t.Alive);

    // ---- Messages over the control plane (Akka): lost while either side is cut off, queued while the receiver is paused.

    void Send(Host from, Host to, Action deliver)
    {
        if (from.ControlCut || to.ControlCut || from.Paused) return;
        if (to.Paused) { to.Inbox.Add(deliver); return; }
        After(Latency, deliver);
    }

    void ToCoordinator(Trainer t, Func<MembershipModel, IReadOnlyList<MembershipEffect>> call)
    {
        // A node removed from the cluster is quarantined: Akka drops what it sends from then on (seed 3ZASyoTQwhE1 had a
        // process started on a paused host, removed before it could join, register afterwards).
        if (!t.Running || _reportedUnreachable.Contains(t.Node + "/removed")) return;
        Send(t.Host, _coordinatorHost, () => { if (_model != null && CoordinatorExit == null) Exec(call(_model)); });
    }

    void ToTrainer(string id, Action<Trainer> deliver)
    {
        if (ById(id) is not { } t) return;
        Send(_coordinatorHost, t.Host, () => { if (t.Alive) deliver(t); });
    }

    // ---- Trainers

    void StartTrainer(int slot, int incarnation)
    {
        var t = new Trainer(this, slot, incarnation);
        _trainers.Add(t);
        RegisterLoop(t);
    }

    void RegisterLoop(Trainer t)
    {
        if (!t.Alive) return;
        if (t.InWorld == 0 && !t.Host.Paused) Register(t);
        After(RegisterEvery, () => RegisterLoop(t));
    }

    void Register(Trainer t) => ToCoordinator(t, m => m.Register(new TrainerReport(t.Id, t.Node, $"host-{t.Slot}", 7000, "cpu",
        t.Step, t.Step >= 0 ? $"h{t.Step}" : null, t.LastEpoch), 1, "1.0", "spec"));

    void HeartbeatLoop(Trainer t, long epoch)
    {
        if (!t.Alive || t.InWorld != epoch) return;
        if (_world is { } w && w.Epoch == epoch && !t.Host.Paused)
        {
            int rank = w.Members.First(m => m.TrainerId == t.Id).Rank;
            if (_finished.ContainsKey(t.Id)) ToCoordinator(t, m => m.Finished(t.Id, t.Node, epoch, rank, t.Step, $"h{t.Step}"));
            else ToCoordinator(t, m => m.Progress(t.Id, t.Node, epoch, rank, t.Step, true, w.Members.Count, $"host-{t.Slot}", 7000));
        }
        After(Heartbeat, () => HeartbeatLoop(t, epoch));
    }

    void Exit(Trainer t, string why)
    {
        if (!t.Alive) return;
        t.Alive = false;
        History.Add((_now, "exit", $"{t.Id}: {why}"));
        if (_world is { } w && t.InWorld == w.Epoch) BreakWorld(w, $"{t.Id} gone");
        if (why == "stopped") return;
        Restarts.Add((_now, t.Slot, why));
        int incarnation = _trainers.Count(x => x.Slot == t.Slot);
        After(RestartDelay, () => StartTrainer(t.Slot, incarnation));
    }

    void OnWorld(Trainer t, long epoch, WorldPlan plan)
    {
        if (epoch <= t.LastEpoch) return;
        if (_world is { } old && t.InWorld == old.Epoch && !old.Broken) BreakWorld(old, "a newer world"); // its abort was lost
        t.LastEpoch = epoch;
        t.InWorld = epoch;
        if (plan.ResumeCheckpoint != null || (t.Step < 0 && plan.StartStep == 0)) t.Step = plan.StartStep; // loaded, or fresh from the seed
        else if (!plan.NeedState.Contains(plan.Members.First(m => m.TrainerId == t.Id).Rank) && t.Step != plan.StartStep)
            Violations.Add($"{_now:F1}s: {t.Id} holds step {t.Step} but world {epoch} starts at {plan.StartStep} without a transfer");
        else t.Step = plan.StartStep; // streamed from the source rank
        HeartbeatLoop(t, epoch);
    }

    void LeaveWorld(Trainer t, long epoch)
    {
        if (t.InWorld != epoch || !t.Alive) return;
        t.InWorld = 0;
        if (t.Host.Paused) return; // it notices when it wakes up (Resume)
        var w0 = _world; int? blamed = w0 != null && w0.Epoch == epoch ? (w0.Members.First(x => x.TrainerId == t.Id).Rank + 1) % w0.Members.Count : null;
        ToCoordinator(t, m => m.Failed(t.Id, epoch, t.Step, "ring broken", false, blamed));
        Register(t); // at once: tell the coordinator what this replica holds
    }

    // ---- The world's training: a step every StepSeconds while every member is up and connected.

    void StartWorld(long epoch, WorldPlan plan)
    {
        if (_world is { Broken: false } old) BreakWorld(old, "superseded");
        var w = _world = new WorldRun(epoch, plan.Members, plan.StartStep) { StartedAt = _now };
        if (double.IsNaN(FirstWorldAt)) { FirstWorldAt = _now; ScheduleFaults(); }
        After(0.5, () => StepLoop(w)); // connecting, state transfer
    }

    void StepLoop(WorldRun w)
    {
        if (w.Broken || _world != w) return;
        var members = w.Members.Select(m => ById(m.TrainerId)).ToList();
        // A member whose announcement has not arrived yet is waited for up to the connect timeout; a dead one, or one
        // that left, resets its sockets at once.
        bool Pending(Trainer? t) => t is { Alive: true } && t.InWorld != w.Epoch && t.LastEpoch < w.Epoch;
        if (members.Any(t => t == null || t.InWorld != w.Epoch))
        {
            if (members.All(t => t == null || t.InWorld == w.Epoch || Pending(t)) && members.Any(Pending) && _now - w.StartedAt < ConnectTimeout)
            {
                After(StepSeconds, () => StepLoop(w));
                return;
            }
            BreakWorld(w, "a member is gone");
            return;
        }
        var live = members.Select(t => t!).ToList();
        if (live.Any(t => t.Host.DataCut))
        {
            if (live.Where(t => t.Host.DataCut).Any(t => _now - t.Host.DataCutSince >= LinkTimeout)) { BreakWorld(w, "link timeout"); return; }
            After(StepSeconds, () => StepLoop(w));
            return;
        }
        if (live.Any(t => t.Host.Paused))
        {
            if (double.IsNaN(w.StalledSince)) w.StalledSince = _now;
            if (_now - w.StalledSince >= OperationTimeout) { BreakWorld(w, "operation timeout"); return; }
            After(StepSeconds, () => StepLoop(w));
            return;
        }
        w.StalledSince = double.NaN;
        if (w.Step >= TotalSteps)
        {
            foreach (var t in live) if (_finished.TryAdd(t.Id, w.Step)) HeartbeatLoop(t, w.Epoch);
            return;
        }
        w.Step++;
        foreach (var t in live) t.Step = w.Step;
        Steps.Add((_now, w.Step));
        var rank0 = ById(w.Members[0].TrainerId)!;
        if (w.Step % CheckpointEvery == 0 && _run.Fence <= w.Epoch) _run.Newest = new CheckpointRef(w.Step, $"ckpt-{w.Step}");
        if (w.Step % ProgressEvery == 0 || w.Step == TotalSteps)
        {
            long step = w.Step;
            ToCoordinator(rank0, m => m.Progress(rank0.Id, rank0.Node, w.Epoch, 0, step, false, w.Members.Count, $"host-{rank0.Slot}", 7000));
        }
        After(StepSeconds, () => StepLoop(w));
    }

    void BreakWorld(WorldRun w, string why)
    {
        if (w.Broken) return;
        w.Broken = true;
        History.Add((_now, "world-broken", $"{w.Epoch}: {why}"));
        foreach (var m in w.Members)
            if (ById(m.TrainerId) is { } t) After(Latency, () => LeaveWorld(t, w.Epoch)); // the cascade of aborts round the ring
    }

    // ---- The coordinator

    void KillCoordinator()
    {
        _model = null;
        _timerGeneration.Clear();
        _unreachableSince.Clear();
        _reportedUnreachable.Clear();
        After(CoordinatorRestartDelay, () =>
        {
            History.Add((_now, "coordinator-restarted", ""));
            _model = new MembershipModel(_config, _run, _time);
            var ledger = _journal.Aggregate(CoordinatorLedger.Empty, (l, e) => l.Apply(e));
            Exec(_model.Start(ledger, false));
        });
    }

    void Exec(IReadOnlyList<MembershipEffect> effects)
    {
        var model = _model;
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case AnnounceWorld a when Worlds.Count > 0 && Worlds[^1].Epoch == a.Epoch:
                    // Announced again (a member never got it): the messages go out again, and the members that get
                    // them connect again if the first attempt gave up.
                    if (_world is not { Broken: false } running || running.Epoch != a.Epoch) StartWorld(a.Epoch, a.Plan);
                    foreach (var m in a.Plan.Members) ToTrainer(m.TrainerId, t => OnWorld(t, a.Epoch, a.Plan));
                    break;
                case AnnounceWorld a:
                    var plan = a.Plan;
                    Worlds.Add((_now, a.Epoch, plan.Members.Select(m => m.TrainerId).ToList(), plan.StartStep, plan.ResumeCheckpoint,
                        _journal.Aggregate(CoordinatorLedger.Empty, (l, e) => l.Apply(e)).CommittedStep));
                    StartWorld(a.Epoch, plan);
                    foreach (var m in plan.Members) ToTrainer(m.TrainerId, t => OnWorld(t, a.Epoch, plan));
                    break;
                case AbortMember abort:
                    if (_world is { } w && w.Epoch == abort.Epoch) BreakWorld(w, $"coordinator aborted it: {abort.Reason}");
                    break;
                case StopAll:
                    foreach (var t in _trainers.Where(t => t.Alive).ToList()) Send(_coordinatorHost, t.Host, () => Exit(t, "stopped"));
                    break;
                case RaiseFence f:
                    _run.Fence = Math.Max(_run.Fence, f.Epoch);
                    break;
                case Persist p:
                    _journal.Add(p.JournalEvent);
                    break;
                case RecordEvent ev:
                    History.Add((_now, ev.Kind, ev.Details.ToJsonString()));
                    break;
                case ProbeDataPlane probe:
                    var target = ById(probe.TrainerId);
                    bool answers = target != null && !target.Host.DataCut && !_coordinatorHost.DataCut && !_coordinatorHost.ControlCut;
                    After(answers || target == null ? Latency : ProbeTimeout, () =>
                    {
                        if (_model == model && model != null) Exec(model.ProbeAnswered(probe.TrainerId, probe.Token, answers));
                    });
                    break;
                case StartTimer timer:
                    long generation = _timerGeneration[timer.Timer.Kind] = _timerGeneration.GetValueOrDefault(timer.Timer.Kind) + 1;
                    After(timer.After.TotalSeconds, () => FireWhenRunning(model!, timer.Timer, generation));
                    break;
                case CancelTimer cancel:
                    _timerGeneration[cancel.Kind] = _timerGeneration.GetValueOrDefault(cancel.Kind) + 1;
                    break;
                case Finish finish:
                    CoordinatorExit = finish.ExitCode;
                    break;
            }
        }
    }

    void FireWhenRunning(MembershipModel model, MembershipTimer timer, long generation)
    {
        if (_model != model || _timerGeneration.GetValueOrDefault(timer.Kind) != generation) return;
        if (_coordinatorHost.Paused) { After(0.25, () => FireWhenRunning(model, timer, generation)); return; }
        Exec(model.TimerFired(timer));
    }

    /// <summary>
    /// The cluster's failure detector as the coordinator sees it, and the split-brain decision: a trainer that the
    /// majority cannot reach for detection + stable-after is downed (a cut-off one downs itself; a paused one finds
    /// out when it wakes); the coordinator is never downed. Polled four times a second.
    /// </summary>
    void Observe()
    {
        After(0.25, Observe);
        foreach (var t in _trainers.Where(t => t.Alive || !_reportedUnreachable.Contains(t.Node + "/removed")))
        {
            bool fromMajority = !t.Alive || t.Host.Paused || t.Host.ControlCut;
            string key = t.Node;
            if (fromMajority)
            {
                if (!_unreachableSince.ContainsKey(key)) _unreachableSince[key] = _now;
                if (_now - _unreachableSince[key] >= Detect + StableAfter && _reportedUnreachable.Add(key + "/removed"))
                {
                    if (t.Alive && !t.Host.Paused) Exit(t, "downed"); // on the minority side: downs itself
                    else if (t.Alive) After(0, () => DownWhenAwake(t));
                    NodeEvent(m => m.NodeRemoved(t.Node));
                }
            }
            else _unreachableSince.Remove(key);
            // The coordinator's own view: it cannot reach a trainer that the majority cannot reach, and none while it is cut off.
            bool coordinatorSees = _model != null && !_coordinatorHost.Paused;
            if (!coordinatorSees || !t.Alive && _reportedUnreachable.Contains(key + "/removed")) continue;
            bool unreachable = fromMajority || _coordinatorHost.ControlCut;
            if (unreachable && !_reportedUnreachable.Contains(key))
            {
                if (!_unreachableSince.ContainsKey(key + "/c")) _unreachableSince[key + "/c"] = _now;
                if (_now - _unreachableSince[key + "/c"] >= Detect) { _reportedUnreachable.Add(key); Exec(_model!.NodeUnreachable(t.Node)); }
            }
            else if (!unreachable)
            {
                _unreachableSince.Remove(key + "/c");
                if (_reportedUnreachable.Contains(key) && !_reportedUnreachable.Contains(key + "/back"))
                {
                    _reportedUnreachable.Add(key + "/back");
                    var model = _model;
                    After(ReachableAgain, () =>
                    {
                        _reportedUnreachable.Remove(key);
                        _reportedUnreachable.Remove(key + "/back");
                        if (_model == model) Exec(model!.NodeReachable(t.Node));
                    });
                }
            }
        }
    }

    void DownWhenAwake(Trainer t)
    {
        if (!t.Alive) return;
        if (t.Host.Paused) { After(0.25, () => DownWhenAwake(t)); return; }
        Exit(t, "downed");
    }

    void NodeEvent(Func<MembershipModel, IReadOnlyList<MembershipEffect>> call)
    {
        // Membership gossip reaches the coordinator once it can hear the cluster again.
        if (_coordinatorHost.ControlCut || _coordinatorHost.Paused || _model == null) { After(0.5, () => NodeEvent(call)); return; }
        Exec(call(_model));
    }
}
