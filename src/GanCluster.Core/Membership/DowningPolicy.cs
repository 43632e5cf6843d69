namespace GanCluster.Core.Membership;

/// <summary>One cluster member as a node sees it when the split-brain decision is due.</summary>
/// <param name="Counted">Up (or leaving): joining members carry no vote</param>
/// <param name="Unreachable">this node's view (gossip-merged) says nobody on its side reaches it</param>
/// <param name="Age">its up-number (lower: older); breaks an exact tie in favour of the side with the oldest trainer</param>
/// <param name="SeenLatestState">it has seen this node's latest cluster state (Akka's gossip "seen by"): the state
/// reaches it through some path, so a member flagged unreachable with this set is indirectly connected, not cut off</param>
public sealed record NodeView(string Address, bool IsCoordinator, bool Counted, bool Unreachable, int Age, bool SeenLatestState = false);

/// <summary>What a node does about unreachable members once the unreachable set has been stable for a while.</summary>
public abstract record DowningDecision
{
    /// <summary>Nothing to do (nobody unreachable, or this is a coordinator on the minority side: it waits).</summary>
    public sealed record Wait(string Why) : DowningDecision;

    /// <summary>This node's side survives: down these members (the other side).</summary>
    public sealed record DownOthers(IReadOnlyList<string> Addresses) : DowningDecision;

    /// <summary>This node is a trainer on the minority side: down itself, exit, and come back as a new member.</summary>
    public sealed record DownSelf(string Why) : DowningDecision;
}

/// <summary>
/// The split-brain strategy (pure; docs/fault-tolerance.md, "Split brain"). Trainers hold the run's state, so the
/// side with the majority of trainers survives; the coordinator's half vote breaks a tie (a world of two trainers with
/// one cut off keeps the one that still reaches the coordinator), and an exact tie without it goes to the side with
/// the oldest trainer. The coordinator is never downed for being unreachable: it is off the training path, and a
/// coordinator that was only cut off (or paused) simply takes up its duties again when it is back, with no restart
/// and no cost to the trainers. A coordinator that truly died is replaced by a new incarnation; the old one is downed
/// once a new coordinator has joined (Akka does it for one on the same address; this rule for a new address). A
/// trainer on the minority side downs itself and comes back as a new member; a coordinator there only waits.
/// Unreachability is the cluster's merged view: any member's observation counts, including stale ones from a member
/// that is itself cut off (a coordinator that was cut off still flags a trainer it has not heard again since the heal).
/// A member flagged unreachable that has nevertheless seen this node's latest state is indirectly connected: it stays
/// on this side, uncounted against it and never downed (Akka's split-brain resolver has the same notion).
/// </summary>
public static class DowningPolicy
{
    public static DowningDecision Decide(IReadOnlyList<NodeView> members, string self)
    {
        var me = members.FirstOrDefault(m => m.Address == self);
        if (me == null) return new DowningDecision.Wait("this node is not a member");
        var unreachable = members.Where(m => IsCutOff(m) && m.Address != self).ToList();
        if (unreachable.Count == 0) return new DowningDecision.Wait("every member is reachable");
        var mySide = members.Where(m => !IsCutOff(m) || m.Address == self).ToList();
        double mine = Weight(mySide), theirs = Weight(unreachable);
        bool survive = mine > theirs || (mine == theirs && OldestTrainer(mySide) < OldestTrainer(unreachable));
        if (!survive)
            return me.IsCoordinator
                ? new DowningDecision.Wait($"the coordinator is on the minority side ({mine} vs {theirs}): it waits to be reached again")
                : new DowningDecision.DownSelf($"this trainer is on the minority side ({mine} vs {theirs})");
        // A coordinator replaced by a new one (reachable here) is stale; an unreachable coordinator without a
        // replacement is only cut off or paused, and is left alone.
        bool replaced = mySide.Any(m => m.IsCoordinator);
        var down = unreachable.Where(m => !m.IsCoordinator || replaced).Select(m => m.Address).ToList();
        return down.Count > 0 ? new DowningDecision.DownOthers(down) : new DowningDecision.Wait("only the coordinator is unreachable: it is left alone");
    }

    static bool IsCutOff(NodeView m) => m.Unreachable && !m.SeenLatestState;

    static double Weight(IEnumerable<NodeView> side) => side.Where(m => m.Counted).Sum(m => m.IsCoordinator ? 0.5 : 1.0);

    static int OldestTrainer(IEnumerable<NodeView> side) =>
        side.Where(m => m.Counted && !m.IsCoordinator).Select(m => m.Age).DefaultIfEmpty(int.MaxValue).Min();
}
