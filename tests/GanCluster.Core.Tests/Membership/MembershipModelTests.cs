using GanCluster.Core.Membership;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Tests.Membership;

/// <summary>The coordinator's membership decisions, one fault at a time (the generated sequences are in MembershipPropertyTests).</summary>
public class MembershipModelTests
{
    static string[] Ids(AnnounceWorld w) => [.. w.Plan.Members.Select(m => m.TrainerId)];

    [Fact]
    public void The_first_world_waits_for_every_worker_and_starts_from_the_seed()
    {
        var h = new ModelHarness(workers: 3);
        h.Start();
        h.Register("a");
        h.Register("b");
        Assert.Empty(h.Effects.OfType<AnnounceWorld>());
        h.Register("c");
        var world = h.LastWorld();
        Assert.Equal(["a", "b", "c"], Ids(world));
        Assert.Equal(0, world.Plan.StartStep);
        Assert.Equal(1, world.Epoch);
        Assert.Equal(1, h.Run.Fence);
        Assert.IsType<EpochStarted>(h.Journal.Single());
    }

    // Found by MembershipPropertyTests (seed aLYqxUreVTV1): a coordinator cut off right after forming a world lost its
    // announcement; after the heal the members kept registering from outside it, and the world never started.
    [Fact]
    public void A_member_that_never_started_the_world_gets_its_announcement_again()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        var world = h.LastWorld();
        int before = h.Effects.Count;
        var after = h.Register("b", lastEpoch: epoch - 1);
        var again = Assert.Single(after.OfType<AnnounceWorld>());
        Assert.Equal(epoch, again.Epoch);
        Assert.Equal(Ids(world), Ids(again));
        Assert.DoesNotContain(h.Effects.Skip(before), e => e is AbortMember or RaiseFence);
        Assert.True(h.Model.IsTraining(epoch));
    }

    [Fact]
    public void A_coordinator_that_sees_most_of_the_world_unreachable_is_the_one_cut_off_and_changes_nothing()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        foreach (var id in new[] { "a", "b", "c" }) h.Progress(id, epoch, Array.IndexOf(new[] { "a", "b", "c" }, id), 10, 3);
        int before = h.Effects.Count;
        foreach (var id in new[] { "a", "b", "c" }) h.Apply(h.Model.NodeUnreachable(ModelHarness.Node(id)));
        h.Fire(TimerKind.UnreachableSettle);
        var after = h.Effects.Skip(before).ToList();
        Assert.True(h.Model.Isolated, string.Join("\n", h.Effects));
        Assert.DoesNotContain(after, e => e is AbortMember or RaiseFence or AnnounceWorld);
        Assert.Contains(after, e => e is RecordEvent { Kind: EventKind.CoordinatorIsolated });
        Assert.Equal(epoch, h.Run.Fence); // the trainers' rank 0 keeps writing

        // Back after any time: the same world trains on, nothing was aborted.
        h.Time.Advance(TimeSpan.FromMinutes(5));
        foreach (var id in new[] { "a", "b", "c" }) h.Apply(h.Model.NodeReachable(ModelHarness.Node(id)));
        Assert.False(h.Model.Isolated);
        Assert.True(h.Model.IsTraining(epoch));
        Assert.DoesNotContain(h.Effects.Skip(before), e => e is AbortMember or AnnounceWorld);
        Assert.Contains(h.EventKinds, k => k == EventKind.CoordinatorReconnected);
    }

    [Fact]
    public void One_unreachable_member_of_three_is_healed_around_from_the_live_replicas()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.Progress("a", epoch, 0, 40, 3);
        h.Apply(h.Model.NodeUnreachable(ModelHarness.Node("b")));
        h.Fire(TimerKind.UnreachableSettle);
        var abort = h.Effects.OfType<AbortMember>().ToList();
        Assert.Equal(3, abort.Count);
        Assert.True(abort.Single(a => a.TrainerId == "b").Fenced);
        Assert.False(abort.Single(a => a.TrainerId == "a").Fenced);
        Assert.Equal(epoch + 1, h.Run.Fence);
        // The survivors re-register from outside the world with what they hold; the world re-forms once no further loss
        // came for the quiet period (and their last probes answered).
        h.Register("a", 40, "h40", epoch);
        h.Register("c", 40, "h40", epoch);
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(["a", "c"], Ids(next));
        Assert.Equal(40, next.Plan.StartStep);
        Assert.Null(next.Plan.ResumeCheckpoint);
        Assert.Empty(next.Plan.NeedState);
    }

    [Fact]
    public void The_cascade_of_aborts_round_the_ring_never_makes_a_suspect_of_a_healthy_rank()
    {
        // Rank 1 of four is killed: its neighbours' data planes name it, but the cascade makes healthy ranks name
        // each other too. Only rank 1 fails its probe (its port refuses): it alone is left out.
        var h = new ModelHarness(workers: 4);
        long epoch = h.FormFirstWorld("a", "b", "c", "d");
        h.ProbeAnswers = id => id != "b";
        h.Apply(h.Model.Failed("c", epoch, 20, "peer lost", false, blamedRank: 3)); // cascade: c blames healthy d
        h.Apply(h.Model.Failed("d", epoch, 20, "peer lost", false, blamedRank: 2)); // ... and d blames c
        h.Apply(h.Model.Failed("a", epoch, 20, "peer lost", false, blamedRank: 1));
        foreach (var id in new[] { "a", "c", "d" }) h.Register(id, 20, "h20", epoch);
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(["a", "c", "d"], Ids(next));
        Assert.Equal(20, next.Plan.StartStep);
        Assert.DoesNotContain(h.Effects.OfType<AbortMember>(), a => a.Fenced);
    }

    [Fact]
    public void Losses_close_together_are_one_decision_and_the_last_probe_finds_a_member_killed_meanwhile()
    {
        // b is killed: its ring breaks, the others re-register at once. Then c is killed before the quiet period ends:
        // nothing reports it (its ring is gone already) except its data plane, which refuses the last probe.
        var h = new ModelHarness(workers: 4);
        long epoch = h.FormFirstWorld("a", "b", "c", "d");
        h.ProbeAnswers = id => id != "b";
        h.Apply(h.Model.Failed("a", epoch, 20, "peer lost", false, blamedRank: 1));
        foreach (var id in new[] { "a", "c", "d" }) h.Register(id, 20, "h20", epoch);
        Assert.Single(h.Effects.OfType<AnnounceWorld>()); // every member accounted for, but the losses may not be over
        h.ProbeAnswers = id => id is not ("b" or "c");
        h.Fire(TimerKind.LossQuiet);
        Assert.Single(h.Effects.OfType<AnnounceWorld>()); // c's refusal is a new loss: another quiet period
        Assert.Contains(h.Timers, t => t.Kind == TimerKind.LossQuiet);
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(["a", "d"], Ids(next));
        Assert.Equal(2, h.Effects.OfType<AnnounceWorld>().Count()); // one new world for both losses
        Assert.DoesNotContain(h.Timers, t => t.Kind is TimerKind.LossQuiet or TimerKind.RecoveryWindow);
    }

    [Fact]
    public void A_broken_ring_that_lost_nobody_re_forms_at_once()
    {
        // A blip broke the ring; every member is back and answers its probe: there is no loss to coalesce.
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.Apply(h.Model.Failed("a", epoch, 20, "peer lost", false, blamedRank: 1));
        foreach (var id in new[] { "a", "b", "c" }) h.Register(id, 20, "h20", epoch);
        Assert.Equal(2, h.Effects.OfType<AnnounceWorld>().Count());
        Assert.Equal(["a", "b", "c"], Ids(h.LastWorld()));
        Assert.DoesNotContain(h.Effects, e => e is StartTimer { Timer.Kind: TimerKind.LossQuiet });
    }

    [Fact]
    public void A_member_whose_data_plane_is_cut_off_is_left_out_until_its_probe_answers_again()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.ProbeAnswers = id => id != "c";
        h.Apply(h.Model.Failed("a", epoch, 30, "c's host acknowledged nothing", false, blamedRank: 2));
        foreach (var id in new[] { "a", "b", "c" }) h.Register(id, 30, "h30", epoch); // c is alive on the control plane
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(["a", "b"], Ids(next));
        // While the partition lasts, c keeps registering and keeps failing its probe: no re-formation storm.
        int worlds = h.Effects.OfType<AnnounceWorld>().Count();
        for (int i = 0; i < 5; i++) h.Register("c", 30, "h30", epoch);
        Assert.Equal(worlds, h.Effects.OfType<AnnounceWorld>().Count());
        // Healed: the next registration's probe answers, the world is re-formed with c (state from a live peer).
        h.ProbeAnswers = _ => true;
        h.Register("c", 30, "h30", epoch);
        h.Register("a", 35, "h35", next.Epoch);
        h.Register("b", 35, "h35", next.Epoch);
        var grown = h.LastWorld();
        Assert.Equal(["a", "b", "c"], Ids(grown));
        Assert.Equal(35, grown.Plan.StartStep);
        Assert.Equal([2], grown.Plan.NeedState);
    }

    [Fact]
    public void When_every_probe_fails_the_referee_is_not_trusted()
    {
        // The coordinator's own host is cut off from the data plane (or a NetworkPolicy keeps it out): its probes say
        // nothing about the trainers, and nobody is excluded for failing one.
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.ProbeAnswers = _ => false;
        h.Apply(h.Model.Failed("a", epoch, 12, "peer lost", false, blamedRank: 1));
        foreach (var id in new[] { "a", "b", "c" }) h.Register(id, 12, "h12", epoch);
        Assert.Equal(["a", "b", "c"], Ids(h.LastWorld()));
    }

    [Fact]
    public void A_member_that_never_re_registers_is_left_out_when_the_window_closes()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.Apply(h.Model.Failed("a", epoch, 12, "timeout", false, blamedRank: 1)); // b is paused: its kernel answers probes
        h.Register("a", 12, "h12", epoch);
        h.Register("c", 12, "h12", epoch);
        Assert.Single(h.Effects.OfType<AnnounceWorld>());
        h.Fire(TimerKind.RecoveryWindow);
        Assert.Equal(["a", "c"], Ids(h.LastWorld()));
    }

    [Fact]
    public void A_restarted_coordinator_adopts_the_running_world_from_its_members_heartbeats()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        h.Progress("a", epoch, 0, 100, 2);
        var restarted = h.Restart();
        Assert.Contains(restarted, e => e is RecordEvent { Kind: EventKind.CoordinatorRecovered });
        int before = h.Effects.Count;
        h.Progress("a", epoch, 0, 130, 2, heartbeat: true);
        h.Progress("b", epoch, 1, 130, 2, heartbeat: true);
        Assert.True(h.Model.IsTraining(epoch));
        Assert.Contains(h.EventKinds, k => k == EventKind.WorldAdopted);
        Assert.DoesNotContain(h.Effects.Skip(before), e => e is AbortMember or RaiseFence or AnnounceWorld);
        Assert.DoesNotContain(h.Timers, t => t.Kind == TimerKind.AdoptGrace);
        // The run still ends normally under the new coordinator.
        h.Apply(h.Model.Finished("a", ModelHarness.Node("a"), epoch, 0, 200, "x"));
        var end = h.Apply(h.Model.Finished("b", ModelHarness.Node("b"), epoch, 1, 200, "x"));
        Assert.Contains(end, e => e is Finish { ExitCode: 0 });
    }

    [Fact]
    public void A_restarted_coordinator_counts_members_silent_past_the_grace_as_gone()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.Restart();
        h.Progress("a", epoch, 0, 50, 3, heartbeat: true);
        h.Progress("b", epoch, 1, 50, 3, heartbeat: true);
        h.Fire(TimerKind.AdoptGrace);
        var aborted = h.Effects.OfType<AbortMember>().ToList();
        Assert.True(aborted.Single(a => a.TrainerId == "c").Fenced);
        h.Register("a", 50, "h50", epoch);
        h.Register("b", 50, "h50", epoch);
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(["a", "b"], Ids(next));
        Assert.Equal(50, next.Plan.StartStep);
    }

    [Fact]
    public void A_restarted_coordinator_that_hears_nobody_keeps_waiting_instead_of_fencing()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        h.Restart();
        h.Fire(TimerKind.AdoptGrace);
        Assert.DoesNotContain(h.Effects, e => e is AbortMember);
        Assert.Contains(h.Timers, t => t.Kind == TimerKind.AdoptGrace);
        Assert.Equal(epoch, h.Run.Fence);
    }

    [Fact]
    public void A_member_registering_from_outside_the_world_means_the_world_broke()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        h.Register("b", 8, "h8", epoch); // b's loop ended (its ring failed) and it reports from outside
        Assert.Contains(h.EventKinds, k => k == EventKind.WorldAborted);
    }

    [Fact]
    public void Losing_every_live_replica_falls_back_to_the_checkpoint_and_says_so()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        h.Progress("a", epoch, 0, 90, 2);
        h.Run.Newest = new CheckpointRef(80, "/run/checkpoints/step-000080");
        h.ProbeAnswers = _ => false;
        h.Apply(h.Model.NodeRemoved(ModelHarness.Node("a")));
        h.Apply(h.Model.NodeRemoved(ModelHarness.Node("b")));
        Assert.Contains(h.EventKinds, k => k == EventKind.WaitingForTrainers);
        h.ProbeAnswers = _ => true;
        h.Register("c");
        var next = h.LastWorld();
        Assert.Equal(80, next.Plan.StartStep);
        Assert.Equal("/run/checkpoints/step-000080", next.Plan.ResumeCheckpoint);
        var fallback = h.Effects.OfType<RecordEvent>().Single(e => e.Kind == EventKind.CheckpointFallback);
        Assert.Equal(90, (long)fallback.Details["committed_step"]!);
    }

    [Fact]
    public void A_live_replica_at_the_committed_step_wins_over_an_older_checkpoint()
    {
        var h = new ModelHarness(workers: 3);
        long epoch = h.FormFirstWorld("a", "b", "c");
        h.Progress("a", epoch, 0, 90, 3);
        h.Run.Newest = new CheckpointRef(80, "/run/checkpoints/step-000080");
        h.Apply(h.Model.NodeRemoved(ModelHarness.Node("a")));
        h.Register("b", 90, "h90", epoch);
        h.Register("c", 90, "h90", epoch);
        h.Fire(TimerKind.LossQuiet);
        var next = h.LastWorld();
        Assert.Equal(90, next.Plan.StartStep);
        Assert.Null(next.Plan.ResumeCheckpoint);
        Assert.DoesNotContain(h.EventKinds, k => k == EventKind.CheckpointFallback);
    }

    [Fact]
    public void Epochs_never_go_back_even_when_the_journal_is_lost()
    {
        var h = new ModelHarness(workers: 1);
        h.Run.Fence = 7; // a previous coordinator's worlds, with no journal left
        h.FormFirstWorld("a");
        Assert.Equal(8, h.LastWorld().Epoch);
    }

    [Fact]
    public void A_spec_mismatch_is_refused_with_the_reason()
    {
        var h = new ModelHarness(workers: 1);
        h.Start();
        var fx = h.Apply(h.Model.Register(ModelHarness.Report("a"), 1, ModelHarness.Software, "other"));
        var reply = fx.OfType<ReplyRegistration>().Single();
        Assert.Contains("spec hash", reply.Refusal);
        Assert.Empty(h.Effects.OfType<AnnounceWorld>());
        // A hash shorter than 12 characters is named, not thrown on.
        var shortHash = h.Apply(h.Model.Register(ModelHarness.Report("b"), 1, ModelHarness.Software, "x"));
        Assert.NotNull(shortHash.OfType<ReplyRegistration>().Single().Refusal);
    }

    [Fact]
    public void A_coordinator_restarted_after_the_end_repeats_the_runs_exit_code()
    {
        var h = new ModelHarness(workers: 1);
        long epoch = h.FormFirstWorld("a");
        h.Apply(h.Model.Failed("a", epoch, 3, "replica mismatch", fatal: true, null));
        var restarted = h.Restart();
        Assert.Equal(1, restarted.OfType<Finish>().Single().ExitCode);
    }

    [Fact]
    public void A_resumed_coordinator_still_adopts_a_world_in_flight_and_falls_back_to_the_checkpoint_when_nobody_is_left()
    {
        var h = new ModelHarness(workers: 2);
        long epoch = h.FormFirstWorld("a", "b");
        h.Progress("a", epoch, 0, 60, 2);
        h.Run.Newest = new CheckpointRef(50, "/run/checkpoints/step-000050");
        h.Restart(resume: true);
        h.Register("c");
        h.Register("d");
        Assert.Single(h.Effects.OfType<AnnounceWorld>()); // adopting: nothing decided before the grace
        h.Fire(TimerKind.AdoptGrace);
        var next = h.LastWorld();
        Assert.Equal(["c", "d"], Ids(next));
        Assert.Equal(50, next.Plan.StartStep);
    }
}
