using GanCluster.Core.Membership;

namespace GanCluster.Core.Tests.Membership;

/// <summary>The split-brain decision on each side of a partition, for 2, 3 and many trainers.</summary>
public class DowningPolicyTests
{
    const string C = "coordinator";

    /// <summary>A cluster of a coordinator and trainers t0..t(n-1) (t0 oldest) where the named nodes are on the other side.</summary>
    static List<NodeView> Cluster(int trainers, params string[] cutOff) =>
        [new NodeView(C, IsCoordinator: true, Counted: true, Unreachable: cutOff.Contains(C), Age: 0),
         .. Enumerable.Range(0, trainers).Select(i => new NodeView($"t{i}", false, true, cutOff.Contains($"t{i}"), Age: i + 1))];

    /// <summary>What <paramref name="self"/> decides when it sees the other side (everyone not on its side) unreachable.</summary>
    static DowningDecision On(string self, int trainers, string[] otherSide, string[] mySide)
    {
        var cut = otherSide.Contains(self) ? mySide : otherSide; // each side sees the other side unreachable
        return DowningPolicy.Decide(Cluster(trainers, cut), self);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)]
    public void A_cut_off_coordinator_is_never_downed_and_no_trainer_is_downed(int trainers)
    {
        var all = Enumerable.Range(0, trainers).Select(i => $"t{i}").ToArray();
        var onTrainers = On("t0", trainers, [C], all);
        Assert.IsType<DowningDecision.Wait>(onTrainers); // only the coordinator is unreachable: left alone
        var onCoordinator = On(C, trainers, [C], all);
        Assert.IsType<DowningDecision.Wait>(onCoordinator); // minority coordinator: waits, downs nobody
    }

    [Theory]
    [InlineData(2, "t0")]
    [InlineData(2, "t1")]
    [InlineData(3, "t0")]
    [InlineData(3, "t2")]
    [InlineData(16, "t0")]
    public void A_cut_off_trainer_downs_itself_and_the_rest_down_it(int trainers, string cut)
    {
        var rest = Enumerable.Range(0, trainers).Select(i => $"t{i}").Where(t => t != cut).Append(C).ToArray();
        var majority = On(rest[0], trainers, [cut], rest);
        Assert.Equal([cut], Assert.IsType<DowningDecision.DownOthers>(majority).Addresses);
        var coordinator = On(C, trainers, [cut], rest);
        Assert.Equal([cut], Assert.IsType<DowningDecision.DownOthers>(coordinator).Addresses);
        Assert.IsType<DowningDecision.DownSelf>(On(cut, trainers, [cut], rest));
    }

    [Fact]
    public void Half_the_trainers_with_the_coordinator_survive_an_even_split()
    {
        var withCoordinator = new[] { "t0", "t1", C };
        var without = new[] { "t2", "t3" };
        Assert.Equal(["t2", "t3"], Assert.IsType<DowningDecision.DownOthers>(On("t0", 4, without, withCoordinator)).Addresses);
        Assert.IsType<DowningDecision.DownSelf>(On("t2", 4, without, withCoordinator));
    }

    [Fact]
    public void A_double_fault_that_leaves_no_side_a_majority_downs_both_sides_rather_than_risk_two_worlds()
    {
        // The coordinator died and the two trainers are cut off from each other at the same time: each side sees one
        // trainer against one trainer plus the (unreachable) coordinator. Neither may train on alone; both restart
        // and the run resumes from its newest checkpoint (docs/fault-tolerance.md, known limits).
        var onT0 = DowningPolicy.Decide([new(C, true, true, true, 0), new("t0", false, true, false, 1), new("t1", false, true, true, 2)], "t0");
        var onT1 = DowningPolicy.Decide([new(C, true, true, true, 0), new("t0", false, true, true, 1), new("t1", false, true, false, 2)], "t1");
        Assert.IsType<DowningDecision.DownSelf>(onT0);
        Assert.IsType<DowningDecision.DownSelf>(onT1);
    }

    [Fact]
    public void An_exact_tie_keeps_the_side_with_the_oldest_trainer()
    {
        // A new coordinator is still joining (no vote): two trainers against two.
        List<NodeView> View(params string[] cut) =>
        [
            new(C, true, Counted: false, cut.Contains(C), 0),
            .. new[] { "t0", "t1", "t2", "t3" }.Select((t, i) => new NodeView(t, false, true, cut.Contains(t), i + 1)),
        ];
        Assert.Equal(["t2", "t3"], Assert.IsType<DowningDecision.DownOthers>(DowningPolicy.Decide(View("t2", "t3"), "t0")).Addresses);
        Assert.IsType<DowningDecision.DownSelf>(DowningPolicy.Decide(View("t0", "t1", C), "t2"));
    }

    [Fact]
    public void A_dead_coordinator_is_downed_once_a_new_one_has_joined()
    {
        var view = new List<NodeView>
        {
            new("old-coordinator", true, true, Unreachable: true, 0),
            new("t0", false, true, false, 1), new("t1", false, true, false, 2),
            new("new-coordinator", true, Counted: false, Unreachable: false, 3), // joining
        };
        Assert.Equal(["old-coordinator"], Assert.IsType<DowningDecision.DownOthers>(DowningPolicy.Decide(view, "t0")).Addresses);
    }

    [Fact]
    public void Joining_members_carry_no_vote()
    {
        // Two new trainers joining on the cut-off coordinator's side do not turn it into a majority.
        var view = new List<NodeView>
        {
            new(C, true, true, false, 0), new("n0", false, Counted: false, false, 5), new("n1", false, Counted: false, false, 6),
            new("t0", false, true, true, 1), new("t1", false, true, true, 2),
        };
        Assert.IsType<DowningDecision.Wait>(DowningPolicy.Decide(view, C));
        Assert.IsType<DowningDecision.DownSelf>(DowningPolicy.Decide(view, "n0"));
    }

    /// <summary>
    /// Seen in CI on the multi-host bed: the coordinator was cut off for 20 s; after the heal it heard t0 and t1 again
    /// before t2, so the merged view held its stale "t2 unreachable" next to the trainers' "coordinator unreachable"
    /// for longer than the stable-after time, and a healthy trainer that every trainer could reach was downed (exit 3,
    /// its world re-formed). t2 has seen the latest state, so it is reachable through some path.
    /// </summary>
    [Fact]
    public void A_trainer_flagged_only_by_a_cut_off_coordinator_is_not_downed()
    {
        List<NodeView> View(bool t2SeenLatest) =>
        [
            new(C, true, true, Unreachable: true, 0),
            new("t0", false, true, false, 1), new("t1", false, true, false, 2),
            new("t2", false, true, Unreachable: true, 3, SeenLatestState: t2SeenLatest),
        ];
        foreach (var self in new[] { "t0", "t1" })
            Assert.IsType<DowningDecision.Wait>(DowningPolicy.Decide(View(t2SeenLatest: true), self));
        // The coordinator's own view, once it hears t0 and t1 but still flags t2: it must not down t2 either.
        List<NodeView> onCoordinator =
        [
            new(C, true, true, false, 0), new("t0", false, true, false, 1), new("t1", false, true, false, 2),
            new("t2", false, true, Unreachable: true, 3, SeenLatestState: true),
        ];
        Assert.IsType<DowningDecision.Wait>(DowningPolicy.Decide(onCoordinator, C));
        // Control: a t2 that has not seen the latest state is cut off for real and is downed as before.
        Assert.Equal(["t2"], Assert.IsType<DowningDecision.DownOthers>(DowningPolicy.Decide(View(t2SeenLatest: false), "t0")).Addresses);
        Assert.Equal(["t2"], Assert.IsType<DowningDecision.DownOthers>(DowningPolicy.Decide(
            [.. onCoordinator.Take(3), new("t2", false, true, Unreachable: true, 3)], C)).Addresses);
    }

    [Fact]
    public void An_indirectly_connected_member_counts_on_this_side()
    {
        // t0 sees the coordinator and t1 flagged (t1 only by the stale coordinator: it has seen the latest state) and
        // t2 cut off for real: t0 and t1 hold the majority, so t0 downs t2 rather than itself.
        List<NodeView> view =
        [
            new(C, true, true, Unreachable: true, 0), new("t0", false, true, false, 1),
            new("t1", false, true, Unreachable: true, 2, SeenLatestState: true), new("t2", false, true, Unreachable: true, 3),
        ];
        Assert.Equal(["t2"], Assert.IsType<DowningDecision.DownOthers>(DowningPolicy.Decide(view, "t0")).Addresses);
    }
}
