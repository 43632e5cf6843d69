using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Telemetry;

namespace GanCluster.Telemetry.Tests;

/// <summary>The instruments record what they are given, and /metrics serves it over real HTTP with the identity labels.</summary>
public class InstrumentTests
{
    static StepSample Sample(long step, double lossD = 1.25, long skipped = 0, bool dSkipped = false) =>
        new(step, lossD, 0.75, 0.6, 0.3, 0.2, 1.5, 2.5, 2e-4, 4e-4, 16, 0.5, 1, 123.5, 16, skipped, dSkipped, 0.04);

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Training_gauges_counters_and_the_step_histogram_are_served_on_metrics_over_http()
    {
        int port = FreePort();
        using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r1", Node = "t0", Role = "trainer", MetricsPort = port, MetricsHost = "127.0.0.1" });
        var trainer = node.AddTrainer();
        trainer.SetRank(1);
        trainer.RecordStep(Sample(1));
        trainer.RecordStep(Sample(2, lossD: 0.5, skipped: 3, dSkipped: true));

        using var http = new HttpClient();
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var series = Exposition.Parse(text);
        string id = "node=\"t0\",rank=\"1\",role=\"trainer\",run=\"r1\"";
        Assert.Equal(2, series[$"gancluster_step{{{id}}}"]);
        Assert.Equal(0.5, series[$"gancluster_loss_d{{{id}}}"]);
        Assert.Equal(0.75, series[$"gancluster_loss_g{{{id}}}"]);
        Assert.Equal(0.6, series[$"gancluster_d_real{{{id}}}"]);
        Assert.Equal(0.3, series[$"gancluster_d_fake{{{id}}}"]);
        Assert.Equal(2.5, series[$"gancluster_grad_norm_g{{{id}}}"]);
        Assert.Equal(4e-4, series[$"gancluster_lr_d{{{id}}}"]);
        Assert.Equal(16, series[$"gancluster_resolution_pixels{{{id}}}"]);
        Assert.Equal(0.5, series[$"gancluster_fade_alpha{{{id}}}"]);
        Assert.Equal(123.5, series[$"gancluster_images_per_second{{{id}}}"]);
        Assert.Equal(2, series[$"gancluster_steps_total{{{id}}}"]);
        Assert.Equal(32, series[$"gancluster_images_total{{{id}}}"]);
        Assert.Equal(3, series[$"gancluster_nonfinite_steps_skipped_total{{{id}}}"]);
        Assert.Equal(1, series[$"gancluster_d_updates_skipped_total{{{id}}}"]);
        Assert.Equal(2, series[$"gancluster_step_duration_seconds_count{{{id}}}"]);
        Assert.Equal(0.08, series[$"gancluster_step_duration_seconds_sum{{{id}}}"], 6);
        Assert.Equal(2, series[$"gancluster_step_duration_seconds_bucket{{le=\"0.04\",{id}}}"]);
        Assert.Contains("# TYPE gancluster_steps_total counter", text);
        Assert.Contains("# TYPE gancluster_step_duration_seconds histogram", text);
        Assert.Contains("# TYPE gancluster_loss_d gauge", text);
        // Identity labels only: every label name on every series is one of these or a closed set (le, kind, status...;
        // the process and runtime series add the GC generation, the CPU mode and the exception type).
        foreach (var key in series.Keys)
            foreach (var label in Exposition.LabelNames(key))
                Assert.Contains(label, new[] { "run", "node", "rank", "role", "le", "kind", "status", "reason", "direction",
                    "generation", "gc_heap_generation", "cpu_mode", "error_type" });
    }

    [Fact]
    public async Task A_trainer_serves_the_size_and_epoch_of_the_world_it_joined_under_its_rank_over_http()
    {
        int port = FreePort();
        using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r1", Node = "t0", Role = "trainer", MetricsPort = port, MetricsHost = "127.0.0.1" });
        var trainer = node.AddTrainer();
        using var http = new HttpClient();
        async Task<Dictionary<string, double>> Scrape() => Exposition.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
        static string Id(string rank) => $"node=\"t0\",rank=\"{rank}\",role=\"trainer\",run=\"r1\"";

        var outside = await Scrape(); // registered, in no world yet
        Assert.DoesNotContain(outside.Keys, k => k.StartsWith("gancluster_world_size{", StringComparison.Ordinal));
        Assert.DoesNotContain(outside.Keys, k => k.StartsWith("gancluster_world_epoch{", StringComparison.Ordinal));

        trainer.SetRank(1, worldSize: 3, epoch: 4); // as TrainerActor.StartWorld
        var first = await Scrape();
        Assert.Equal(3, first[$"gancluster_world_size{{{Id("1")}}}"]);
        Assert.Equal(4, first[$"gancluster_world_epoch{{{Id("1")}}}"]);

        trainer.SetRank(0, worldSize: 2, epoch: 5); // a re-formed world, where this trainer is rank 0
        var second = await Scrape();
        Assert.Equal(2, second[$"gancluster_world_size{{{Id("0")}}}"]);
        Assert.Equal(5, second[$"gancluster_world_epoch{{{Id("0")}}}"]);
        Assert.DoesNotContain($"gancluster_world_size{{{Id("1")}}}", second.Keys);
        Assert.Single(second.Keys, k => k.StartsWith("gancluster_world_epoch{", StringComparison.Ordinal));

        trainer.SetRank(null);
        var left = await Scrape();
        Assert.DoesNotContain(left.Keys, k => k.StartsWith("gancluster_world_size{", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rank_change_moves_the_gauges_to_the_new_rank_label_and_collapse_figures_follow_rank_zero()
    {
        using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r", Node = "n", Role = "trainer" });
        var trainer = node.AddTrainer();
        trainer.SetRank(0);
        trainer.RecordStep(Sample(5));
        trainer.RecordCollapse(new CollapseSample(5, 0.8, 0.01, 9, 0.05, 0.12, Suspected: false, new QualitySample("mnist", 12.5, 0.03, 0.9, 0.4)));
        var before = Exposition.Parse(node.Scrape());
        Assert.Equal(5, before["gancluster_step{node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(0.12, before["gancluster_collapse_score{node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(9, before["gancluster_collapse_classes_covered{node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(0, before["gancluster_collapse_suspected{node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(12.5, before["gancluster_fid{features=\"mnist\",node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(0.03, before["gancluster_kid{features=\"mnist\",node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(0.9, before["gancluster_precision{features=\"mnist\",node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);
        Assert.Equal(0.4, before["gancluster_recall{features=\"mnist\",node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}"]);

        trainer.SetRank(1);
        var after = Exposition.Parse(node.Scrape());
        Assert.Equal(5, after["gancluster_step{node=\"n\",rank=\"1\",role=\"trainer\",run=\"r\"}"]);
        Assert.DoesNotContain("gancluster_step{node=\"n\",rank=\"0\",role=\"trainer\",run=\"r\"}", after.Keys);
        Assert.DoesNotContain(after.Keys, k => k.StartsWith("gancluster_collapse_score{", StringComparison.Ordinal));
        Assert.DoesNotContain(after.Keys, k => k.StartsWith("gancluster_recall{", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_events_drive_the_coordinators_distributed_metrics()
    {
        using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r", Node = "coord", Role = "coordinator" });
        var c = node.Coordinator(workersWanted: 3, workersMinimum: 2);
        c.OnEvent(EventKind.WorldFormed, 0, new JsonObject { ["epoch"] = 1, ["world_size"] = 3 });
        c.OnEvent(EventKind.CheckpointCommitted, 10, new JsonObject { ["bytes"] = 4096, ["seconds"] = 0.25 });
        c.OnEvent(EventKind.CheckpointFailed, 20, new JsonObject { ["error"] = "disk full" });
        c.OnEvent(EventKind.WorldAborted, 20, new JsonObject { ["epoch"] = 1 });
        c.OnEvent(EventKind.StateTransfer, 20, new JsonObject { ["bytes"] = 1000, ["seconds"] = 0.5 });
        c.OnEvent(EventKind.WorldFormed, 20, new JsonObject { ["epoch"] = 2, ["world_size"] = 2 });
        c.OnEvent(EventKind.Recovered, 21, new JsonObject { ["epoch"] = 2, ["seconds"] = 3.5 });
        c.OnEvent(EventKind.LrChanged, 30, new JsonObject());
        c.OnEvent(EventKind.LrChanged, 40, new JsonObject());
        c.OnEvent(EventKind.DSkipStarted, 41, new JsonObject());
        c.OnEvent(EventKind.ReplicaHashMismatch, 50, new JsonObject());
        c.SetMembers(inWorld: 2, standby: 0, suspect: 1);

        var s = Exposition.Parse(node.Scrape());
        const string id = "node=\"coord\",role=\"coordinator\",run=\"r\"";
        Assert.Equal(2, s[$"gancluster_world_size{{{id}}}"]);
        Assert.Equal(2, s[$"gancluster_world_epoch{{{id}}}"]);
        Assert.Equal(2, s[$"gancluster_workers_minimum{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_recoveries_total{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_recovery_duration_seconds_count{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_world_aborts_total{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_state_transfers_total{{{id}}}"]);
        Assert.Equal(1000, s[$"gancluster_state_transfer_bytes_total{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_checkpoints_total{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_checkpoint_failures_total{{{id}}}"]);
        Assert.Equal(4096, s[$"gancluster_checkpoint_size_bytes{{{id}}}"]);
        Assert.Equal(0.25, s[$"gancluster_checkpoint_duration_seconds_sum{{{id}}}"]);
        Assert.Equal(1, s[$"gancluster_replica_hash_mismatches_total{{{id}}}"]);
        Assert.Equal(2, s[$"gancluster_policy_decisions_total{{kind=\"lr_changed\",{id}}}"]);
        Assert.Equal(1, s[$"gancluster_policy_decisions_total{{kind=\"d_skip_started\",{id}}}"]);
        Assert.Equal(2, s[$"gancluster_events_total{{kind=\"world_formed\",{id}}}"]);
        Assert.Equal(2, s[$"gancluster_members{{{id},status=\"in_world\"}}"]);
        Assert.Equal(1, s[$"gancluster_members{{{id},status=\"suspect\"}}"]);
    }
}

/// <summary>Bad --metrics-port input is one clear line and exit code 2.</summary>
public class MetricsPortInputTests
{
    [Fact]
    public void A_metrics_port_out_of_range_is_refused_with_one_line_and_exit_code_2()
    {
        string dir = TinyRun.TempDir("gancluster-badport-");
        var r = CliProcess.Run(dir, TimeSpan.FromMinutes(2), ["train", "--metrics-port", "70000", "--out", "run"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("input: --metrics-port: expected a TCP port from 0 to 65535 (0: no metrics endpoint), found 70000", (r.Stdout + r.Stderr).Trim());
    }
}
