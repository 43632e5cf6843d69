using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.TestBed.Checking;
using GanCluster.TestBed.Nemesis;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Tests;

/// <summary>
/// The checker on histories written by hand (its input is data: rows, events, supervisor and fault records), so each
/// promise it checks is seen to break when it should: a rolled-back step, a healthy node that exits or sits out, a
/// checkpoint fallback, a trainer that never comes back, a coordinator absence that stops training.
/// </summary>
public sealed class HistoryCheckerTests
{
    static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    /// <summary>Steps 1..n, one every 100 ms from T0 + 1 s.</summary>
    static List<JsonObject> Rows(long from, long to, double startSeconds) =>
        Enumerable.Range(0, (int)(to - from + 1)).Select(i => Row(from + i, startSeconds + i * 0.1)).ToList();

    static JsonObject Row(long step, double seconds) =>
        new() { ["step"] = step, ["time"] = (T0.AddSeconds(seconds).ToUnixTimeMilliseconds()) / 1000.0 };

    static JsonObject Event(double seconds, string kind, JsonObject? details = null) =>
        new() { ["time"] = T0.AddSeconds(seconds).ToString("O"), ["step"] = 0, ["kind"] = kind, ["details"] = details ?? new JsonObject() };

    static JsonObject World(double seconds, long epoch, params string[] hosts) => Event(seconds, EventKind.WorldFormed, new JsonObject
    {
        ["epoch"] = epoch,
        ["world_size"] = hosts.Length,
        ["resume_checkpoint"] = null,
        ["members"] = new JsonArray(hosts.Select((h, r) => (JsonNode)new JsonObject { ["rank"] = r, ["trainer"] = $"{h}:100/0" }).ToArray()),
    });

    static JsonObject Complete(double seconds, bool identical = true) =>
        Event(seconds, EventKind.RunComplete, new JsonObject { ["replicas_identical"] = identical });

    static List<ProcessRecord> Starts() =>
    [
        new(T0, "coordinator", "coordinator", ProcessEventKind.Start, 1, 10),
        .. new[] { "trainer-0", "trainer-1", "trainer-2" }.Select(h => new ProcessRecord(T0, h, "trainer", ProcessEventKind.Start, 1, 11)),
    ];

    static FaultRecord Fault(FaultKind kind, string node, double from, double to) =>
        new(kind, node, node, node == "coordinator" ? "coordinator" : "trainer", node, T0.AddSeconds(from), T0.AddSeconds(to));

    static RunHistory History(List<JsonObject> rows, List<JsonObject> events, List<ProcessRecord> processes, List<FaultRecord> faults, long? expected = null) =>
        new(rows, events, rows.Select(RunEvents.Step).Distinct().Order().ToList(), processes, faults, expected);

    [Fact]
    public void A_clean_run_with_a_coordinator_partition_that_training_rides_through_passes()
    {
        var rows = Rows(1, 1000, 40); // 40 s .. 140 s
        var events = new List<JsonObject> { World(39, 1, "trainer-0", "trainer-1", "trainer-2"), Complete(140) };
        var result = HistoryChecker.Check(History(rows, events, Starts(), [Fault(FaultKind.Partition, "coordinator", 60, 80)], 1000));

        Assert.True(result.Passed, string.Join('\n', result.Problems));
        var coordinator = Assert.Single(result.Faults);
        Assert.InRange(coordinator.StepsDuringFault, 200, 201); // 20 s at 10 steps/s (both ends may count)
        Assert.Equal(0, coordinator.StepsLost);
        Assert.Equal(0.1, coordinator.NextStepSeconds!.Value, 2);
        Assert.True(result.RunCompleted && result.ReplicasIdentical == true && result.EveryStepOnce);
    }

    [Fact]
    public void A_rollback_counts_the_steps_done_again_and_a_restart_from_step_1_as_a_checkpoint_fallback()
    {
        // Steps 1..300, then (after the fault) a world from checkpoint 200: rows 201.. again; later a restart from 1.
        var rows = Rows(1, 300, 10).Concat(Rows(201, 250, 50)).Concat(Rows(1, 20, 70)).ToList();
        var checkpointWorld = World(49, 3, "trainer-0", "trainer-1");
        checkpointWorld["details"]!["resume_checkpoint"] = "/run/checkpoints/step-000200";
        var events = new List<JsonObject> { World(9, 1, "trainer-0", "trainer-1", "trainer-2"), checkpointWorld };
        var faults = new List<FaultRecord> { Fault(FaultKind.Pause, "trainer-2", 45, 47), Fault(FaultKind.Kill, "trainer-1", 65, 65) };
        var result = HistoryChecker.Check(History(rows, events, Starts(), faults));

        Assert.Equal(100, result.Faults[0].StepsLost);  // 201..300 done again
        Assert.Equal(1, result.Faults[0].CheckpointFallbacks);
        Assert.Equal(300, result.Faults[1].StepsLost);  // 1..300 (the highest step ever completed) done again
        Assert.Equal(1, result.Faults[1].CheckpointFallbacks);
        Assert.Equal(2, result.RunStarts);
        Assert.Equal(400, result.StepsLost);
        Assert.False(result.RunCompleted);
        Assert.Contains(result.Problems, p => p.Contains("rolled back"));
    }

    [Fact]
    public void A_node_that_was_not_faulted_but_exited_or_sat_out_a_world_is_an_incident_the_faulted_one_is_not()
    {
        var rows = Rows(1, 1000, 10);
        var processes = Starts();
        processes.Add(new ProcessRecord(T0.AddSeconds(62), "trainer-0", "trainer", ProcessEventKind.Exit, 1, 11, 3)); // faulted: fine
        processes.Add(new ProcessRecord(T0.AddSeconds(63), "trainer-1", "trainer", ProcessEventKind.Exit, 1, 11, 1)); // not faulted
        processes.Add(new ProcessRecord(T0.AddSeconds(64), "trainer-1", "trainer", ProcessEventKind.Start, 2, 12));
        var events = new List<JsonObject>
        {
            World(9, 1, "trainer-0", "trainer-1", "trainer-2"),
            World(61, 3, "trainer-1", "trainer-2"),   // without the partitioned trainer-0: fine
            World(70, 5, "trainer-1"),                // trainer-2 is up and was not faulted: excluded
            World(75, 7, "trainer-0", "trainer-1", "trainer-2"),
            Complete(110),
        };
        var result = HistoryChecker.Check(History(rows, events, processes, [Fault(FaultKind.Partition, "trainer-0", 60, 65)], 1000));

        var incidents = Assert.Single(result.Faults).Incidents;
        Assert.Equal(2, incidents.Count);
        Assert.Contains(incidents, i => i.Node == "trainer-1" && i.Kind == IncidentKind.Exited && i.Detail.Contains("exit code 1"));
        Assert.Contains(incidents, i => i.Node == "trainer-2" && i.Kind == IncidentKind.Excluded && i.Detail.Contains("world 5"));
        Assert.DoesNotContain(incidents, i => i.Node == "trainer-0");
        Assert.Equal(10, result.Faults[0].RejoinSeconds!.Value, 1); // heal at 65 s, back in world 7 at 75 s
        Assert.False(result.Passed);
    }

    [Fact]
    public void A_faulted_nodes_excuse_ends_when_the_next_fault_starts()
    {
        // trainer-2 was capped for 4 s; 6 s later the coordinator is cut off and trainer-2 is downed: the second fault's doing.
        var rows = Rows(1, 1000, 10);
        var processes = Starts();
        processes.Add(new ProcessRecord(T0.AddSeconds(50), "trainer-2", "trainer", ProcessEventKind.Exit, 1, 11, 3));
        var faults = new List<FaultRecord>
        {
            Fault(FaultKind.BandwidthCap, "trainer-2", 30, 34), Fault(FaultKind.ControlPlanePartition, "coordinator", 40, 50),
        };
        var result = HistoryChecker.Check(History(rows, [World(9, 1, "trainer-0", "trainer-1", "trainer-2")], processes, faults));
        Assert.Empty(result.Faults[0].Incidents);
        var incident = Assert.Single(result.Faults[1].Incidents);
        Assert.Equal(("trainer-2", IncidentKind.Exited), (incident.Node, incident.Kind));
        Assert.Contains("removed from the cluster", incident.Detail);
    }

    [Fact]
    public void A_trainer_that_never_comes_back_and_a_coordinator_absence_that_stops_training_are_problems()
    {
        var rows = Rows(1, 200, 10).Concat(Rows(201, 400, 80)).ToList(); // nothing between 30 s and 80 s
        var events = new List<JsonObject>
        {
            World(9, 1, "trainer-0", "trainer-1", "trainer-2"),
            World(31, 3, "trainer-1", "trainer-2"),
        };
        var faults = new List<FaultRecord> { Fault(FaultKind.Partition, "trainer-0", 30, 32), Fault(FaultKind.ControlPlanePartition, "coordinator", 40, 60) };
        var result = HistoryChecker.Check(History(rows, events, Starts(), faults));

        Assert.True(result.Faults[0].RejoinExpected);
        Assert.Null(result.Faults[0].RejoinSeconds);
        Assert.Equal(0, result.Faults[1].StepsDuringFault);
        Assert.Equal(40, result.Faults[1].MaxStallSeconds!.Value, 1); // 40 s .. 80 s without a step
        Assert.Contains(result.Problems, p => p.Contains("trainer-0 was not back in the world"));
        Assert.Contains(result.Problems, p => p.Contains("training stopped while the coordinator was away"));
    }

    [Fact]
    public void Training_that_stops_early_in_a_coordinator_partition_is_a_problem_even_if_a_few_steps_completed()
    {
        // Steps run on for 5 s of a 20 s partition, then stop until the heal (a fenced rank 0 stalls the ring).
        var rows = Rows(1, 300, 10).Concat(Rows(301, 600, 70)).ToList(); // 10..40 s, then 70..100 s
        var result = HistoryChecker.Check(History(rows, [World(9, 1, "trainer-0", "trainer-1")], Starts(),
            [Fault(FaultKind.Partition, "coordinator", 35, 55)]));
        var x = Assert.Single(result.Faults);
        Assert.Equal(50, x.StepsDuringFault); // steps 251..300
        Assert.Equal(0, x.StepsInSecondHalf);
        Assert.Contains(result.Problems, p => p.Contains("training stopped while the coordinator was away"));
    }

    [Fact]
    public void Missing_or_repeated_steps_and_differing_replicas_fail_the_run()
    {
        var rows = Rows(1, 100, 10);
        rows.RemoveAt(50);
        var history = History(rows, [World(9, 1, "trainer-0"), Complete(30, identical: false)], Starts(), [], 100);
        var result = HistoryChecker.Check(history);
        Assert.False(result.EveryStepOnce);
        Assert.Equal(false, result.ReplicasIdentical);
        Assert.Contains(result.Problems, p => p.Contains("replicas differ"));
    }

    [Fact]
    public void The_summary_groups_faults_by_kind()
    {
        var rows = Rows(1, 2000, 10);
        var faults = new List<FaultRecord>
        {
            Fault(FaultKind.Pause, "trainer-1", 20, 25), Fault(FaultKind.Pause, "trainer-2", 60, 62), Fault(FaultKind.Kill, "trainer-1", 100, 100),
        };
        var result = HistoryChecker.Check(History(rows, [World(9, 1, "trainer-0", "trainer-1", "trainer-2")], Starts(), faults));
        Assert.Equal([FaultKind.Kill, FaultKind.Pause], result.ByKind.Select(k => k.Kind));
        Assert.Equal(2, result.ByKind.Single(k => k.Kind == FaultKind.Pause).Count);
        Assert.Contains(ResultTable.Lines(result), l => l.StartsWith("| Pause | 2 |", StringComparison.Ordinal));
    }
}
