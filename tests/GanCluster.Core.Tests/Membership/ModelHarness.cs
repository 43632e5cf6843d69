using GanCluster.Core.Membership;

namespace GanCluster.Core.Tests.Membership;

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualTime : TimeProvider
{
    long _ticks;

    public TimeSpan Now => TimeSpan.FromTicks(_ticks);

    public void Advance(TimeSpan by) => _ticks += by.Ticks;

    public override long GetTimestamp() => _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
}

/// <summary>The run directory as the model sees it: a fence and the newest checkpoint.</summary>
public sealed class FakeRunDirectory : IRunDirectoryView
{
    public long Fence { get; set; }

    public CheckpointRef? Newest { get; set; }

    public CheckpointRef? NewestValidCheckpoint() => Newest;

    /// <summary>When set, the fence file holds this instead of an epoch (read fails closed, as WorldFence.Read does).</summary>
    public string? Garbage { get; set; }

    public long FenceEpoch() => Garbage is null ? Fence : throw new InvalidDataException($"world-epoch holds no world epoch ('{Garbage}')");
}

/// <summary>
/// Drives a <see cref="MembershipModel"/> the way the coordinator actor does, minus Akka: it applies the fence and
/// journal effects to fakes, answers data-plane probes with <see cref="ProbeAnswers"/>, and keeps every effect for
/// the assertions.
/// </summary>
public sealed class ModelHarness
{
    public const string Spec = "spec-hash", Software = "1.0";

    public ManualTime Time { get; } = new();
    public FakeRunDirectory Run { get; } = new();
    public MembershipModel Model { get; private set; }
    public List<MembershipEffect> Effects { get; } = [];
    public List<object> Journal { get; } = [];
    public HashSet<MembershipTimer> Timers { get; } = [];

    /// <summary>Whether a trainer's data plane answers the coordinator's probe (default: yes).</summary>
    public Func<string, bool> ProbeAnswers { get; set; } = _ => true;

    readonly MembershipConfig _config;

    public ModelHarness(int workers, int minWorkers = 1)
    {
        _config = new MembershipConfig(workers, minWorkers, TimeSpan.FromSeconds(3), 1, Software, Spec);
        Model = new MembershipModel(_config, Run, Time);
    }

    public static string Node(string id) => $"akka.tcp://gancluster@{id}:4000";

    public static TrainerReport Report(string id, long step = -1, string? hash = null, long lastEpoch = 0, int rankHint = -1) =>
        new(id, Node(id), $"host-{id}", 7000, "cpu", step, hash, lastEpoch, 0, rankHint);

    /// <summary>A coordinator restart: a new model over the journal written so far.</summary>
    public IReadOnlyList<MembershipEffect> Restart(bool resume = false)
    {
        Model = new MembershipModel(_config, Run, Time);
        Timers.Clear();
        var ledger = Journal.Aggregate(CoordinatorLedger.Empty, (l, e) => l.Apply(e));
        return Apply(Model.Start(ledger, resume));
    }

    public IReadOnlyList<MembershipEffect> Start() => Apply(Model.Start(CoordinatorLedger.Empty, resume: false));

    public IReadOnlyList<MembershipEffect> Register(string id, long step = -1, string? hash = null, long lastEpoch = 0) =>
        Apply(Model.Register(Report(id, step, hash, lastEpoch), 1, Software, Spec));

    public IReadOnlyList<MembershipEffect> Progress(string id, long epoch, int rank, long step, int worldSize, bool heartbeat = false) =>
        Apply(Model.Progress(id, Node(id), epoch, rank, step, heartbeat, worldSize, $"host-{id}", 7000));

    public IReadOnlyList<MembershipEffect> Fire(TimerKind kind)
    {
        var timer = Timers.FirstOrDefault(t => t.Kind == kind) ?? throw new InvalidOperationException($"no {kind} timer running");
        Timers.Remove(timer);
        return Apply(Model.TimerFired(timer));
    }

    /// <summary>Forms the first world of the given trainers (all answer their probes) and returns its epoch.</summary>
    public long FormFirstWorld(params string[] ids)
    {
        Start();
        foreach (var id in ids) Register(id);
        return LastWorld().Epoch;
    }

    public IReadOnlyList<MembershipEffect> Apply(IReadOnlyList<MembershipEffect> effects)
    {
        var all = new List<MembershipEffect>();
        var queue = new Queue<MembershipEffect>(effects);
        while (queue.Count > 0)
        {
            var e = queue.Dequeue();
            all.Add(e);
            Effects.Add(e);
            switch (e)
            {
                case RaiseFence f: Run.Fence = Math.Max(Run.Fence, f.Epoch); break;
                case Persist p: Journal.Add(p.JournalEvent); break;
                case StartTimer t:
                    Timers.RemoveWhere(x => x.Kind == t.Timer.Kind);
                    Timers.Add(t.Timer);
                    break;
                case CancelTimer c: Timers.RemoveWhere(x => x.Kind == c.Kind); break;
                case ProbeDataPlane probe:
                    foreach (var next in Model.ProbeAnswered(probe.TrainerId, probe.Token, ProbeAnswers(probe.TrainerId))) queue.Enqueue(next);
                    break;
            }
        }
        return all;
    }

    public AnnounceWorld LastWorld() => Effects.OfType<AnnounceWorld>().Last();

    public IEnumerable<string> EventKinds => Effects.OfType<RecordEvent>().Select(e => e.Kind);
}
