using GanCluster.Cluster.Protocol;
using GanCluster.Core.Membership;

namespace GanCluster.Cluster.Tests.Protocol;

/// <summary>Which control messages a node acts on, from which senders (the pure policy; docs/security.md).</summary>
public class ControlPolicyTests
{
    const string Coordinator = "akka.tcp://gancluster@10.0.0.1:4053";
    const string NodeA = "akka.tcp://gancluster@10.0.0.2:4100";
    const string NodeB = "akka.tcp://gancluster@10.0.0.3:4100";
    static readonly string[] Coordinators = [Coordinator];
    static readonly string Checkpoints = Path.Combine(Path.GetTempPath(), "run", "checkpoints");

    static readonly ControlSender FromCoordinator = new(Coordinator, "/user/coordinator/singleton#1");
    static readonly ControlSender TrainerA = new(NodeA, "/user/trainer-0#11");
    static readonly ControlSender TrainerAAsk = new(NodeA, "/temp/$a#0");
    static readonly ControlSender TrainerB = new(NodeB, "/user/trainer-0#22");
    static readonly ControlSender Local = new("", "/user/trainer-0#11");

    static WorldFormed World(string? resume = null) => new(1, 7, [new WorldMember(0, "a", "h", 1)], 0, resume);

    public static IEnumerable<object[]> CoordinatorOnly() =>
    [
        [World()], [new AbortWorld(1, 7, "x", Fenced: true)], [new StopTraining(1, "x", true)],
        [new RegistrationAccepted(1, "r", 2)], [new RegistrationRefused(1, "x")],
    ];

    [Theory]
    [MemberData(nameof(CoordinatorOnly))]
    public void A_trainer_hears_worlds_aborts_and_stops_only_from_the_coordinator(IControlMessage message)
    {
        Assert.Null(ControlPolicy.TrainerRefusal(message, FromCoordinator, Coordinators, Checkpoints));
        Assert.Null(ControlPolicy.TrainerRefusal(message, Local, Coordinators, Checkpoints)); // its own process (the signal handler)
        Assert.Equal(ControlRefusal.NotCoordinator, ControlPolicy.TrainerRefusal(message, TrainerB, Coordinators, Checkpoints));
        Assert.Equal(ControlRefusal.NotCoordinator, ControlPolicy.TrainerRefusal(message, ControlSender.Anonymous, Coordinators, Checkpoints));
        Assert.Equal(ControlRefusal.NotCoordinator, ControlPolicy.TrainerRefusal(message, FromCoordinator, [], Checkpoints)); // no coordinator now
    }

    [Theory]
    [InlineData("step-000120", true)]
    [InlineData("../elsewhere/step-000120", false)]
    [InlineData("step-000120/..", false)]
    [InlineData("/etc", false)]
    [InlineData("not-a-step", false)]
    [InlineData("", false)]
    public void A_worlds_resume_checkpoint_must_be_a_checkpoint_of_the_run(string relative, bool accepted)
    {
        string path = relative.StartsWith('/') || relative.Length == 0 ? relative : Path.Combine(Checkpoints, relative);
        var refusal = ControlPolicy.TrainerRefusal(World(path), FromCoordinator, Coordinators, Checkpoints);
        Assert.Equal(accepted ? null : ControlRefusal.BadCheckpointPath, refusal);
    }

    [Theory]
    [InlineData("s3://runs/exp1/checkpoints/step-000120", true)]
    [InlineData("s3://runs/exp1/checkpoints/../../other/checkpoints/step-000120", false)]
    [InlineData("s3://runs/exp2/checkpoints/step-000120", false)]
    [InlineData("s3://other-bucket/exp1/checkpoints/step-000120", false)]
    [InlineData("s3://runs/exp1/checkpoints/step-000120/x", false)]
    [InlineData("s3://runs/exp1/checkpoints/not-a-step", false)]
    [InlineData("/tmp/run/checkpoints/step-000120", false)]
    public void With_checkpoints_in_S3_a_worlds_checkpoint_must_be_under_the_runs_prefix(string path, bool accepted)
    {
        var refusal = ControlPolicy.TrainerRefusal(World(path), FromCoordinator, Coordinators, "s3://runs/exp1/checkpoints");
        Assert.Equal(accepted ? null : ControlRefusal.BadCheckpointPath, refusal);
    }

    /// <summary>A coordinator's view: trainer a registered from node A (in world 7, known), b not registered.</summary>
    sealed class View : ICoordinatorMembership
    {
        public bool RelearningNow;
        public ControlSender? KnownA = TrainerA;

        public ControlSender? RegisteredFrom(string trainerId) => trainerId == "a" ? TrainerA : null;

        public bool? IsMember(long epoch, string trainerId, out ControlSender? knownAs)
        {
            knownAs = null;
            if (epoch != 7) return null;
            if (trainerId != "a") return false;
            knownAs = KnownA;
            return true;
        }

        public bool KnowsNode(string node) => node == NodeA;

        public bool Relearning => RelearningNow;
    }

    [Fact]
    public void A_known_trainer_id_registers_again_only_from_the_actor_it_registered_from()
    {
        var view = new View();
        var again = new RegisterTrainer(1, "a", "cpu", "h", 1, "spec", "1.0");
        Assert.Null(ControlPolicy.CoordinatorRefusal(again, TrainerA, view));
        Assert.Equal(ControlRefusal.Impostor, ControlPolicy.CoordinatorRefusal(again, TrainerB, view));
        Assert.Equal(ControlRefusal.Impostor, ControlPolicy.CoordinatorRefusal(again, TrainerA with { Actor = "/user/trainer-0#12" }, view)); // a new incarnation
        Assert.Null(ControlPolicy.CoordinatorRefusal(again with { TrainerId = "b" }, TrainerB, view)); // a newcomer
        Assert.Equal(ControlRefusal.NotMember, ControlPolicy.CoordinatorRefusal(again with { TrainerId = "b" }, ControlSender.Anonymous, view));
    }

    public static IEnumerable<object[]> Reports() =>
    [
        [new TrainerProgress(1, "a", 7, 0, 10, 100, 1, 1, 1)],
        [new TrainerFinished(1, "a", 7, 100, "h")],
        [new TrainerFailed(1, "a", 7, 10, "x", Fatal: true)],
        [new CollapseReport(1, "a", 7, 10, "{}")],
    ];

    [Theory]
    [MemberData(nameof(Reports))]
    public void Reports_about_a_world_are_heard_only_from_its_members_each_from_its_own_node(IControlMessage report)
    {
        var view = new View();
        Assert.Null(ControlPolicy.CoordinatorRefusal(report, TrainerA, view));
        Assert.Null(ControlPolicy.CoordinatorRefusal(report, TrainerAAsk, view)); // rank 0's Ask comes from a temporary actor
        Assert.Equal(ControlRefusal.Impostor, ControlPolicy.CoordinatorRefusal(report, TrainerB, view));
        Assert.Equal(ControlRefusal.NotMember, ControlPolicy.CoordinatorRefusal(report, ControlSender.Anonymous, view));
        view.KnownA = null; // a restarted coordinator has not re-learned a yet: the first report teaches it
        Assert.Null(ControlPolicy.CoordinatorRefusal(report, TrainerB, view));
    }

    [Fact]
    public void Reports_naming_a_non_member_or_an_old_world()
    {
        var view = new View();
        Assert.Equal(ControlRefusal.NotMember, ControlPolicy.CoordinatorRefusal(new TrainerFailed(1, "b", 7, 1, "x", true), TrainerB, view));
        Assert.Null(ControlPolicy.CoordinatorRefusal(new TrainerFailed(1, "a", 6, 1, "x", true), TrainerB, view)); // ignored by epoch anyway
        Assert.Equal(ControlRefusal.NotMember, ControlPolicy.CoordinatorRefusal(new TrainerLeaving(1, "a", "x"), TrainerB, view));
        Assert.Null(ControlPolicy.CoordinatorRefusal(new TrainerLeaving(1, "a", "x"), TrainerA, view));
        var report = new RunEventReport(1, 3, "checkpoint_committed", "{}");
        Assert.Null(ControlPolicy.CoordinatorRefusal(report, TrainerA, view));
        Assert.Equal(ControlRefusal.NotMember, ControlPolicy.CoordinatorRefusal(report, TrainerB, view));
        view.RelearningNow = true;
        Assert.Null(ControlPolicy.CoordinatorRefusal(report, TrainerB, view));
    }
}
