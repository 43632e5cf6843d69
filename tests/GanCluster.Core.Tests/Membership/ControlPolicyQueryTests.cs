using GanCluster.Core.Membership;

namespace GanCluster.Core.Tests.Membership;

/// <summary>
/// What the model answers the coordinator's control policy (who may send what, docs/security.md), its registration
/// refusals, and a fence file that holds no epoch.
/// </summary>
public class ControlPolicyQueryTests
{
    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData(null)]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public void A_spec_hash_of_any_length_is_refused_with_a_message_never_an_exception(string? hash)
    {
        var config = new MembershipConfig(1, 1, TimeSpan.FromSeconds(1), 1, "1.0", "fedcba9876543210fedcba9876543210");
        Assert.Contains("run spec hash", config.RegistrationRefusal(1, "1.0", hash));
        Assert.Null((config with { SpecHash = "x" }).RegistrationRefusal(1, "1.0", "x"));
        Assert.Contains("software version", (config with { SoftwareVersion = "2.0" }).RegistrationRefusal(1, "1.0", hash));
        Assert.Contains("control protocol version", config.RegistrationRefusal(2, "1.0", hash));
    }

    [Fact]
    public void A_refused_registration_is_answered_and_the_trainer_stays_unknown()
    {
        var h = new ModelHarness(workers: 1);
        h.Start();
        h.Apply(h.Model.Register(ModelHarness.Report("a"), 1, ModelHarness.Software, "other-spec"));
        Assert.NotNull(h.Effects.OfType<ReplyRegistration>().Single().Refusal);
        Assert.Null(h.Model.NodeOf("a"));
        Assert.Empty(h.Effects.OfType<AnnounceWorld>());
    }

    [Fact]
    public void Members_are_known_by_world_and_node()
    {
        var h = new ModelHarness(workers: 2);
        h.Start();
        h.Register("a");
        h.Register("b");
        long epoch = h.LastWorld().Epoch;
        Assert.True(h.Model.IsMemberOf(epoch, "a"));
        Assert.False(h.Model.IsMemberOf(epoch, "c"));
        Assert.Null(h.Model.IsMemberOf(epoch - 1, "a")); // an older world: not tracked
        Assert.Equal(ModelHarness.Node("a"), h.Model.NodeOf("a"));
        Assert.True(h.Model.KnowsNode(ModelHarness.Node("b")));
        Assert.False(h.Model.KnowsNode(ModelHarness.Node("c")));
        Assert.False(h.Model.Relearning);
    }

    [Fact]
    public void A_restarted_coordinator_does_not_refuse_members_it_has_not_relearned_yet()
    {
        var h = new ModelHarness(workers: 2);
        h.Start();
        h.Register("a");
        h.Register("b");
        long epoch = h.LastWorld().Epoch;
        h.Restart();
        Assert.True(h.Model.Relearning);
        Assert.True(h.Model.IsMemberOf(epoch, "a")); // from the journal
        h.Progress("a", epoch, 0, 5, 2, heartbeat: true);
        h.Progress("b", epoch, 1, 5, 2, heartbeat: true);
        Assert.False(h.Model.Relearning);
    }

    [Fact]
    public void A_fence_file_that_holds_no_epoch_ends_the_run_with_exit_code_1_naming_it()
    {
        var h = new ModelHarness(workers: 2);
        h.Start();
        h.Run.Garbage = "garbage";
        h.Register("a");
        h.Register("b"); // a world could form: the fence is read, and fails closed
        Assert.Empty(h.Effects.OfType<AnnounceWorld>());
        Assert.Equal(1, h.Effects.OfType<Finish>().Single().ExitCode);
        Assert.Contains(h.Effects.OfType<Note>(), n => n.Line.Contains("world-epoch"));
        Assert.IsType<RunEnded>(h.Journal.Last());
        Assert.True(h.Model.Stopped);
    }

    [Fact]
    public void A_fence_that_cannot_be_raised_ends_the_run()
    {
        var h = new ModelHarness(workers: 1);
        h.Start();
        h.Register("a");
        h.Apply(h.Model.FenceUnreadable("world-epoch holds no world epoch"));
        Assert.Equal(1, h.Effects.OfType<Finish>().Single().ExitCode);
        Assert.Contains(h.Effects.OfType<StopAll>(), s => s.ExitCode == 1);
        Assert.True(h.Model.Stopped);
    }
}
