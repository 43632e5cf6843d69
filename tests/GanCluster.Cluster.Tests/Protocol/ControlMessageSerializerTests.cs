using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Membership;

namespace GanCluster.Cluster.Tests.Protocol;

public class ControlMessageSerializerTests : IDisposable
{
    readonly ActorSystem _system = ActorSystem.Create("serializer-test");

    public static IEnumerable<object[]> Messages() =>
    [
        [new RegisterTrainer(1, "h:1/0", "cpu", "10.0.0.2", 5000, "abc", "1.0")],
        [new RegistrationAccepted(1, "run", 3)],
        [new RegistrationRefused(1, "different spec")],
        [new WorldFormed(1, 4, [new WorldMember(0, "a", "h", 1), new WorldMember(1, "b", "h", 2)], 120, "/runs/x/checkpoints/step-000120")],
        [new WorldFormed(1, 1, [new WorldMember(0, "a", "h", 1)], 0, null)],
        [new TrainerProgress(1, "a", 2, 0, 10, 100, 123.5, 1.25, 0.5)],
        [new TrainerFinished(1, "a", 2, 100, "ff00")],
        [new TrainerFailed(1, "a", 2, 7, "peer 1 reset", false)],
        [new RunEventReport(1, 3, "checkpoint_committed", "{\"bytes\":12}")],
        [new StopTraining(1, "done", false)],
        [new StopTraining(1, "collapse response: budget spent", true, ByCollapseResponse: true)],
        [new CollapseReport(1, "a", 2, 40, "{\"suspected\":true,\"suspected_evaluations\":1}")],
        [new CollapseDecision(1, 2, 40, CollapseDecision.RollBack, "collapse suspected since step 40")],
        [new WorldFormed(1, 5, [new WorldMember(0, "a", "h", 1)], 20, "/runs/x/checkpoints/step-000020", NeedState: [0],
            CollapseStateJson: "{\"rollbacks\":1,\"lr_g_scale\":0.5,\"lr_d_scale\":0.5}")],
        [new TrainerProgress(1, "a", 2, 1, 10, 100, 0, double.NaN, double.NaN, IsHeartbeat: true, WorldSize: 2, DataHost: "198.18.0.2", DataPort: 7100)],
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_control_message_round_trips(IControlMessage message)
    {
        var serializer = new ControlMessageSerializer((ExtendedActorSystem)_system, new ControlEnvelope(GanCluster.Collective.RunToken.New()));
        string manifest = serializer.Manifest(message);
        var back = serializer.FromBinary(serializer.ToBinary(message), manifest);
        Assert.Equal(message.GetType(), back.GetType());
        // Records compare by value, except list members: compare their JSON form instead (the sealed wire form
        // differs by its nonce and time). Named literals: a heartbeat's losses are NaN.
        var json = new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message, message.GetType(), json), System.Text.Json.JsonSerializer.Serialize(back, back.GetType(), json));
    }

    [Fact]
    public void A_stop_by_the_collapse_response_keeps_its_exit_code_over_the_wire()
    {
        var envelope = new ControlEnvelope(GanCluster.Collective.RunToken.New());
        var serializer = new ControlMessageSerializer((ExtendedActorSystem)_system, envelope);
        var stop = new StopTraining(1, "collapse response", true, ByCollapseResponse: true);
        var back = (StopTraining)serializer.FromBinary(serializer.ToBinary(stop), serializer.Manifest(stop));
        Assert.Equal(Core.Runs.ExitCodes.CollapseStopped, back.ExitCode);
        Assert.Equal(Core.Runs.ExitCodes.Failure, (back with { ByCollapseResponse = false }).ExitCode);
        // An older coordinator's message (no such field) still reads, as an ordinary stop.
        var old = (StopTraining)serializer.FromBinary(
            envelope.Seal(nameof(StopTraining), "{\"version\":1,\"reason\":\"done\",\"failed\":false}"u8), nameof(StopTraining));
        Assert.Equal(Core.Runs.ExitCodes.Ok, old.ExitCode);
    }

    [Fact]
    public void A_heartbeat_without_losses_round_trips_sealed()
    {
        // A heartbeat carries NaN losses: the sealed JSON must carry them, or remoting drops every heartbeat.
        var serializer = new ControlMessageSerializer((ExtendedActorSystem)_system, new ControlEnvelope(GanCluster.Collective.RunToken.New()));
        var beat = new TrainerProgress(1, "a", 2, 0, 10, 100, 0, double.NaN, double.NaN, IsHeartbeat: true);
        var back = (TrainerProgress)serializer.FromBinary(serializer.ToBinary(beat), serializer.Manifest(beat));
        Assert.True(double.IsNaN(back.LossD) && double.IsNaN(back.LossG));
        Assert.True(back.IsHeartbeat);
    }

    [Fact]
    public void An_unknown_manifest_is_refused()
    {
        var serializer = new ControlMessageSerializer((ExtendedActorSystem)_system, new ControlEnvelope(GanCluster.Collective.RunToken.New()));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Diagnostics.Process"));
    }

    [Fact]
    public void Journal_events_round_trip_unsealed()
    {
        var serializer = new JournalEventSerializer((ExtendedActorSystem)_system);
        object[] events =
        [
            new EpochStarted(1, 5, 20, ["a"], Rollback: true, CollapseStateJson: "{\"rollbacks\":1}"),
            new EpochStarted(1, 6, 30, ["a", "b"], World: [new WorldMember(0, "a", "h", 1), new WorldMember(1, "b", "h", 2)]),
            new StepCommitted(1, 6, 40),
            new RunEnded(1, 0, 40),
        ];
        foreach (var e in events)
        {
            var back = serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e));
            Assert.Equal(e.GetType(), back.GetType());
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(e, e.GetType()), System.Text.Json.JsonSerializer.Serialize(back, back.GetType()));
        }
        Assert.Equal(7411, serializer.Identifier); // the id journals of earlier runs recorded
    }

    public void Dispose() => _system.Dispose();
}
