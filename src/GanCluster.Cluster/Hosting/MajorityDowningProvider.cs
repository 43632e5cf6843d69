using Akka.Actor;
using Akka.Cluster;
using GanCluster.Core.Membership;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Akka's downing seam, wired to <see cref="DowningPolicy"/> (trainer majority, the coordinator as tie-breaker and
/// never downed for being unreachable). Hand-written because Akka.NET's split-brain resolver offers only fixed
/// strategies (keep-majority, keep-oldest, static-quorum, lease-majority, down-all) and none keeps a cut-off
/// coordinator in the cluster while downing cut-off trainers (docs/fault-tolerance.md, "Split brain").
/// Configured by <see cref="ClusterNodeHost"/> through akka.cluster.downing-provider-class; Akka creates it by
/// reflection with this constructor.
/// </summary>
public sealed class MajorityDowningProvider(ActorSystem system, Akka.Cluster.Cluster cluster) : IDowningProvider
{
    public const string StableAfterKey = "gancluster.downing.stable-after";

    TimeSpan StableAfter => system.Settings.Config.GetTimeSpan(StableAfterKey, ClusterTimings.Default.DowningStableAfter);

    public TimeSpan DownRemovalMargin => StableAfter;

    public Props DowningActorProps => Props.Create(() => new MajorityDowningActor(cluster, StableAfter));
}

/// <summary>
/// Watches the cluster's reachability; once the set of unreachable members has been the same for the stable-after
/// time, applies <see cref="DowningPolicy"/>: down the other side, down this node (a trainer on the minority side),
/// or wait (a coordinator on the minority side, or only the coordinator unreachable).
/// </summary>
sealed class MajorityDowningActor : ReceiveActor, IWithTimers
{
    readonly Akka.Cluster.Cluster _cluster;
    readonly TimeSpan _stableAfter;
    string? _lastWait;
    HashSet<string> _unreachable = [];
    DateTime _stableSince = DateTime.UtcNow;

    sealed record Tick;

    public MajorityDowningActor(Akka.Cluster.Cluster cluster, TimeSpan stableAfter)
    {
        _cluster = cluster;
        _stableAfter = stableAfter;
        Receive<ClusterEvent.IClusterDomainEvent>(_ => Observe());
        Receive<ClusterEvent.CurrentClusterState>(_ => Observe());
        Receive<Tick>(_ => { Observe(); Decide(); });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    void Observe()
    {
        var now = _cluster.State.Unreachable.Select(m => m.Address.ToString()).ToHashSet();
        if (now.SetEquals(_unreachable)) return;
        _unreachable = now;
        _stableSince = DateTime.UtcNow;
    }

    void Decide()
    {
        if (_unreachable.Count == 0 || DateTime.UtcNow - _stableSince < _stableAfter) return;
        if (_cluster.SelfMember.Status is not (MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving)) return;
        var state = _cluster.State;
        var views = state.Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed))
            .OrderBy(m => m, Member.AgeOrdering)
            .Select((m, age) => new NodeView(m.Address.ToString(), m.HasRole(NodeOptions.CoordinatorRole),
                Counted: m.Status is MemberStatus.Up or MemberStatus.Leaving, Unreachable: state.Unreachable.Contains(m), Age: age,
                SeenLatestState: state.SeenBy.Contains(m.Address)))
            .ToList();
        var decision = DowningPolicy.Decide(views, _cluster.SelfAddress.ToString());
        _stableSince = DateTime.UtcNow; // decide again after another stable period if nothing changed
        switch (decision)
        {
            case DowningDecision.DownOthers down:
                foreach (var member in state.Members.Where(m => down.Addresses.Contains(m.Address.ToString())))
                {
                    NodeLog.Warning($"split brain: downing {member.Address} (unreachable for {_stableAfter.TotalSeconds:F0} s; this side holds the trainer majority)");
                    _cluster.Down(member.Address);
                }
                break;
            case DowningDecision.DownSelf self:
                NodeLog.Warning($"split brain: {self.Why}; downing this node so that it rejoins as a new member");
                _cluster.Down(_cluster.SelfAddress);
                break;
            case DowningDecision.Wait wait:
                if (wait.Why != _lastWait) NodeLog.Info($"split brain: {wait.Why}"); // once per reason, not every period
                _lastWait = wait.Why;
                break;
        }
    }
}
