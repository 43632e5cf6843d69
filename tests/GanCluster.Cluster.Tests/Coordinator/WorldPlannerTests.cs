using GanCluster.Core.Membership;
using GanCluster.Cluster.Hosting;

namespace GanCluster.Cluster.Tests.Coordinator;

public class WorldPlannerTests
{
    static Candidate C(string id, long step = -1, string? hash = null, int previousRank = -1, int order = 0) =>
        new(id, "127.0.0.1", 5000 + order, step, hash, previousRank, order);

    [Fact]
    public void The_first_world_starts_from_the_seed_with_ranks_in_registration_order()
    {
        var plan = WorldPlanner.Plan([C("b", order: 1), C("a", order: 0), C("c", order: 2)], target: 3, minimum: 3, null)!;
        Assert.Equal(["a", "b", "c"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(0, plan.StartStep);
        Assert.Null(plan.SourceRank);
        Assert.Empty(plan.NeedState);
    }

    [Fact]
    public void Pod_ordinals_decide_the_first_worlds_ranks_whatever_the_registration_order()
    {
        // Pods trainer-2, trainer-0 (2 devices each: hints 4, 0, 1) and an unhinted node registered in this order.
        var plan = WorldPlanner.Plan(
        [
            C("pod2/0", order: Candidate.OrderOf(4, 0)), C("pod0/0", order: Candidate.OrderOf(0, 1)),
            C("pod0/1", order: Candidate.OrderOf(1, 2)), C("bare", order: Candidate.OrderOf(-1, 3)),
        ], target: 4, minimum: 4, null)!;
        Assert.Equal(["pod0/0", "pod0/1", "pod2/0", "bare"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(0, PodRank.Hint("0", devices: 2, deviceIndex: 0));
        Assert.Equal(5, PodRank.Hint("2", devices: 2, deviceIndex: 1));
        Assert.Equal(-1, PodRank.Hint(null, devices: 1, deviceIndex: 0));
        var bad = Assert.Throws<GanCluster.Core.Spec.SpecException>(() => PodRank.Hint("x", 1, 0));
        Assert.Contains(PodRank.OrdinalVariable, bad.Message + string.Join(' ', bad.Problems.Select(p => p.Path)));
    }

    static Candidate OnHost(string id, string host, int order = 0, int previousRank = -1, long step = -1, string? hash = null) =>
        new(id, host, 5000 + order, step, hash, previousRank, order);

    [Fact]
    public void Each_hosts_ranks_are_consecutive_in_the_order_of_its_first_rank()
    {
        // Registration interleaves two hosts' trainers (a 2-device process on each, say): a0, b0, a1, b1, c0.
        var plan = WorldPlanner.Plan(
        [
            OnHost("b0", "10.0.0.2", order: 1), OnHost("a1", "10.0.0.1", order: 2), OnHost("c0", "10.0.0.3", order: 4),
            OnHost("a0", "10.0.0.1", order: 0), OnHost("b1", "10.0.0.2", order: 3),
        ], target: 5, minimum: 5, null)!;
        Assert.Equal(["a0", "a1", "b0", "b1", "c0"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal([0, 1, 2, 3, 4], plan.Members.Select(m => m.Rank));
        Assert.Equal(["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.3"], plan.Members.Select(m => m.DataHost));
    }

    [Fact]
    public void Grouping_keeps_rank_hints_and_survivors_order_within_and_between_hosts()
    {
        // Hints put pod1 (host B) first; host A's hinted ranks keep their hint order within host A.
        var hinted = WorldPlanner.Plan(
        [
            OnHost("a-hint3", "A", order: Candidate.OrderOf(3, 0)), OnHost("b-hint0", "B", order: Candidate.OrderOf(0, 1)),
            OnHost("a-hint1", "A", order: Candidate.OrderOf(1, 2)), OnHost("b-hint2", "b", order: Candidate.OrderOf(2, 3)),
        ], target: 4, minimum: 4, null)!;
        Assert.Equal(["b-hint0", "b-hint2", "a-hint1", "a-hint3"], hinted.Members.Select(m => m.TrainerId));

        // Survivors: rank 0 stays rank 0, and the source index follows the regrouped order.
        var plan = WorldPlanner.Plan(
        [
            OnHost("r0", "A", previousRank: 0, step: 10, hash: "h"), OnHost("r1", "B", previousRank: 1, step: 11, hash: "h11"),
            OnHost("r2", "A", previousRank: 2, step: 10, hash: "h"), OnHost("new", "B", order: 9),
        ], target: 4, minimum: 1, null)!;
        Assert.Equal(["r0", "r2", "r1", "new"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(2, plan.SourceRank);
        Assert.Equal([0, 1, 3], plan.NeedState);
    }

    [Fact]
    public void Too_few_candidates_form_no_world()
    {
        Assert.Null(WorldPlanner.Plan([C("a")], target: 3, minimum: 2, null));
        Assert.Null(WorldPlanner.Plan([], target: 1, minimum: 1, null));
    }

    [Fact]
    public void Survivors_keep_their_order_and_the_most_advanced_replica_is_the_source()
    {
        // Rank 1 died mid-step: rank 0 had completed step 41, rank 2 was still at 40.
        var plan = WorldPlanner.Plan([C("r2", 40, "h40", previousRank: 2, order: 2), C("r0", 41, "h41", previousRank: 0, order: 0)],
            target: 3, minimum: 1, new CheckpointRef(30, "/ckpt/30"))!;
        Assert.Equal(["r0", "r2"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(41, plan.StartStep);
        Assert.Equal(0, plan.SourceRank);
        Assert.Equal("h41", plan.SourceHash);
        Assert.Equal([1], plan.NeedState);
        Assert.Null(plan.ResumeCheckpoint); // a live replica exists: nothing is reloaded from disk
    }

    [Fact]
    public void Replicas_at_the_same_step_with_the_same_hash_need_no_transfer_and_a_newcomer_does()
    {
        var plan = WorldPlanner.Plan([C("r0", 50, "h", 0, 0), C("r1", 50, "h", 1, 1), C("new", order: 5)], target: 3, minimum: 1, null)!;
        Assert.Equal(["r0", "r1", "new"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(0, plan.SourceRank);
        Assert.Equal([2], plan.NeedState);
    }

    [Fact]
    public void Same_step_but_different_bits_is_synced_from_the_source()
    {
        var plan = WorldPlanner.Plan([C("r0", 50, "h", 0, 0), C("r1", 50, "other", 1, 1)], target: 2, minimum: 1, null)!;
        Assert.Equal([1], plan.NeedState);
    }

    [Fact]
    public void A_newer_checkpoint_beats_stale_replicas_and_everyone_not_at_its_step_loads_it()
    {
        var plan = WorldPlanner.Plan([C("stale", 20, "h20", -1, 0), C("fresh", order: 1)], target: 2, minimum: 1, new CheckpointRef(30, "/ckpt/30"))!;
        Assert.Equal(30, plan.StartStep);
        Assert.Equal("/ckpt/30", plan.ResumeCheckpoint);
        Assert.Null(plan.SourceRank);
        Assert.Equal([0, 1], plan.NeedState);
    }

    [Fact]
    public void A_live_replica_wins_a_tie_with_the_checkpoint()
    {
        var plan = WorldPlanner.Plan([C("r0", 30, "h", 0, 0), C("new", order: 1)], target: 2, minimum: 1, new CheckpointRef(30, "/ckpt/30"))!;
        Assert.Null(plan.ResumeCheckpoint);
        Assert.Equal(0, plan.SourceRank);
    }

    [Fact]
    public void The_world_is_capped_at_the_target_size()
    {
        var plan = WorldPlanner.Plan(Enumerable.Range(0, 5).Select(i => C($"t{i}", order: i)), target: 3, minimum: 1, null)!;
        Assert.Equal(3, plan.Members.Count);
    }

    [Fact]
    public void A_collapse_rollback_makes_every_member_load_the_chosen_checkpoint_even_with_newer_live_state()
    {
        var plan = WorldPlanner.Plan([C("a", 40, "h40", previousRank: 0), C("b", 40, "h40", previousRank: 1, order: 1)], target: 2, minimum: 2,
            new CheckpointRef(40, "/ck/step-000040"), rollbackTo: new CheckpointRef(20, "/ck/step-000020"))!;
        Assert.Equal(["a", "b"], plan.Members.Select(m => m.TrainerId));
        Assert.Equal(20, plan.StartStep);
        Assert.Equal("/ck/step-000020", plan.ResumeCheckpoint);
        Assert.Null(plan.SourceRank);
        Assert.Equal([0, 1], plan.NeedState);
    }
}
