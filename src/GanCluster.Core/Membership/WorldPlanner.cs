namespace GanCluster.Core.Membership;

/// <summary>A trainer that could be in the next world, with the state it says it holds.</summary>
/// <param name="Step">completed steps of its in-memory replica (-1: none)</param>
/// <param name="PreviousRank">its rank in the world just aborted (-1: it was not in it)</param>
/// <param name="Order">registration order (earlier first)</param>
public sealed record Candidate(string TrainerId, string DataHost, int DataPort, long Step, string? Hash, int PreviousRank, int Order)
{
    /// <summary>
    /// A newcomer's place: its rank hint (a trainer pod's index: trainer-0 is rank 0) when it has one, else
    /// its registration order after every hinted trainer. Survivors keep their previous order regardless (the planner then
    /// groups ranks by host, which moves a later host's ranks when a newcomer joins an earlier host).
    /// </summary>
    public static int OrderOf(int rankHint, int registrationOrder) => rankHint >= 0 ? rankHint : 1_000_000 + registrationOrder;
}

/// <summary>The newest valid checkpoint on disk.</summary>
public sealed record CheckpointRef(long Step, string Path);

/// <summary>Who is in the next world, where it starts, and who needs which state first.</summary>
public sealed record WorldPlan(
    IReadOnlyList<WorldMember> Members,
    long StartStep,
    string? ResumeCheckpoint,
    int? SourceRank,
    string? SourceHash,
    IReadOnlyList<int> NeedState);

/// <summary>
/// Forms worlds (pure: no Akka, unit-tested). Members keep their previous order (rank 0 stays rank 0 if it
/// survived), newcomers follow in registration order, up to the target size. The start state is the newest one
/// available: the most advanced live replica (a step whose all-reduce completed on any rank is complete: that
/// rank's update contains every rank's gradient), unless the newest valid checkpoint is newer; a live replica
/// wins a tie, so nothing is reloaded from disk while a healthy replica exists. Every member whose replica is
/// not exactly that state (other step or hash, or no state) receives it: from the source rank over the data
/// plane, or from the checkpoint.
/// <para>Each host's ranks are consecutive (<see cref="GroupByHost"/>), so the flat ring crosses each host's link once per
/// direction and the hierarchical schedule's host rings are runs of ranks.</para>
/// </summary>
public static class WorldPlanner
{
    /// <param name="rollbackTo">a collapse rollback: every member loads this checkpoint, whatever it holds</param>
    public static WorldPlan? Plan(IEnumerable<Candidate> available, int target, int minimum, CheckpointRef? newestCheckpoint,
        CheckpointRef? rollbackTo = null)
    {
        var chosen = available
            .OrderBy(c => c.PreviousRank < 0 ? int.MaxValue : c.PreviousRank)
            .ThenBy(c => c.Order)
            .Take(target)
            .ToList();
        if (chosen.Count < minimum || chosen.Count == 0) return null;
        chosen = GroupByHost(chosen);
        var members = chosen.Select((c, rank) => new WorldMember(rank, c.TrainerId, c.DataHost, c.DataPort)).ToList();

        if (rollbackTo is { } back)
            return new WorldPlan(members, back.Step, back.Path, null, null, Enumerable.Range(0, members.Count).ToList());

        int sourceIndex = -1;
        for (int i = 0; i < chosen.Count; i++)
            if (chosen[i].Step >= 0 && chosen[i].Hash != null && (sourceIndex < 0 || chosen[i].Step > chosen[sourceIndex].Step))
                sourceIndex = i;
        long liveStep = sourceIndex >= 0 ? chosen[sourceIndex].Step : -1;

        if (newestCheckpoint is { } ckpt && ckpt.Step > liveStep)
        {
            // Disk is newer than any live replica: everyone not already at that step loads it.
            var needDisk = chosen.Select((c, rank) => (c, rank)).Where(x => x.c.Step != ckpt.Step).Select(x => x.rank).ToList();
            return new WorldPlan(members, ckpt.Step, ckpt.Path, null, null, needDisk);
        }
        if (sourceIndex < 0)
            return new WorldPlan(members, 0, null, null, null, []); // nobody holds state: start from the seed

        var source = chosen[sourceIndex];
        var need = chosen.Select((c, rank) => (c, rank))
            .Where(x => x.c.Step != source.Step || x.c.Hash != source.Hash)
            .Select(x => x.rank)
            .ToList();
        return new WorldPlan(members, source.Step, null, need.Count > 0 ? sourceIndex : null, source.Hash, need);
    }

    /// <summary>
    /// Stable grouping by data-plane host: hosts in the order of their first member, members of a host in the order they
    /// came (so rank hints and survivors' order still decide within a host and between hosts, and the first member stays
    /// rank 0). Host names compare case-insensitively, as <c>HostLayout</c> on the data plane compares them.
    /// </summary>
    public static List<Candidate> GroupByHost(IReadOnlyList<Candidate> ordered)
    {
        var hostOrder = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in ordered) hostOrder.TryAdd(c.DataHost, hostOrder.Count);
        return ordered.Select((c, i) => (c, i)).OrderBy(x => hostOrder[x.c.DataHost]).ThenBy(x => x.i).Select(x => x.c).ToList();
    }
}
