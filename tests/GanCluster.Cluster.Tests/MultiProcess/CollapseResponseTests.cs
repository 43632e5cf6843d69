using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// The automatic collapse response in a cluster: `gancluster local --workers 2`, with thresholds that make
/// collapse_suspected rise deterministically (raise_threshold 0.001: any score counts; raise_after 2: the flag rises
/// at the evaluation of step 4, so the checkpoint of step 2 is the newest clear one). The coordinator rolls both
/// replicas back to step 2 with halved learning rates; the same flag rises again after the rollback and, with
/// max_rollbacks 1, the run stops with collapse_stopped and exit code 4 (ExitCodes.CollapseStopped).
/// </summary>
public class CollapseResponseTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-collapse-");

    static string Kind(JsonObject e) => (string)e["kind"]!;

    [Fact]
    public void The_coordinator_rolls_every_replica_back_with_scaled_learning_rates_then_stops_when_the_budget_is_spent()
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(8),
        [
            "local", "--workers", "2", "--out", "run",
            .. TinyRun.Args,
            "--set", "steps=40", "--set", "cluster.hash_every=1", "--set", "cluster.progress_every=10",
            "--set", "checkpoint.every=2", "--set", "checkpoint.keep=10", "--set", "sample_every=0",
            "--set", "collapse.every=2", "--set", "collapse.sample_size=32", "--set", "collapse.real_sample_size=64",
            "--set", "collapse.warmup_steps=0", "--set", "collapse.raise_after=2",
            "--set", "collapse.raise_threshold=0.001", "--set", "collapse.clear_threshold=0",
            "--set", "collapse.response.enabled=true", "--set", "collapse.response.window=1", "--set", "collapse.response.max_rollbacks=1",
        ]);
        Assert.True(r.ExitCode == ExitCodes.CollapseStopped, r.ToString());
        Assert.Contains("collapse response", r.Stdout);
        string run = Path.Combine(_dir, "run");
        var layout = new RunLayout(run);
        var events = JsonlWriter.ReadAll(layout.EventsFile).ToList();

        // One rollback, from the step whose evaluation raised the flag back to the clear checkpoint before it.
        var rollback = Assert.Single(events, e => Kind(e) == EventKind.CollapseRollback);
        var details = rollback["details"]!;
        Assert.Equal(2L, (long)rollback["step"]!);
        Assert.Equal(2L, (long)details["to_step"]!);
        Assert.Equal(4L, (long)details["from_step"]!);
        Assert.Equal(1, (int)details["rollback"]!);
        Assert.Equal(0.5, (double)details["lr_g_scale"]!);
        Assert.Equal(0.5, (double)details["lr_d_scale"]!);
        var aborted = JsonlWriter.ReadAll(Path.Combine(layout.RollbackArchiveDir(1), "events.jsonl"))
            .Single(e => Kind(e) == EventKind.WorldAborted);
        Assert.Contains("collapse rollback 1 to step 2", (string)aborted["details"]!["reason"]!);
        // The world after the rollback starts from the checkpoint, every rank loading it.
        var formed = events.Where(e => Kind(e) == EventKind.WorldFormed).ToList();
        Assert.Equal(2, formed.Count);
        Assert.Equal(2L, (long)formed[1]["details"]!["start_step"]!);
        Assert.EndsWith("step-000002", (string)formed[1]["details"]!["resume_checkpoint"]!);

        // The run ends with collapse_stopped (the budget is spent), not run_complete or run_interrupted.
        var last = events[^1];
        Assert.Equal(EventKind.CollapseStopped, Kind(last));
        Assert.Contains("max_rollbacks", (string)last["details"]!["reason"]!);
        Assert.Equal(1, (int)last["details"]!["rollbacks"]!);
        Assert.Equal(4L, (long)last["details"]!["decided_at"]!); // the flag rose again at step 4 of the second timeline
        Assert.NotNull(last["details"]!["replica_hash"]); // rank 0's end-of-run details: it stopped and checkpointed
        Assert.True(Directory.Exists(layout.CheckpointDir((long)last["step"]!)));
        Assert.DoesNotContain(events, e => Kind(e) is EventKind.RunComplete or EventKind.RunInterrupted or EventKind.ReplicaHashMismatch);

        // metrics.jsonl keeps strictly increasing steps; what the rollback undid is under rollbacks/1/.
        var metrics = JsonlWriter.ReadAll(layout.MetricsFile).ToList();
        var steps = metrics.Select(m => (long)m["step"]!).ToList();
        Assert.Equal(steps.Order().Distinct(), steps);
        Assert.True(steps[^1] >= 4, string.Join(",", steps));
        var archived = JsonlWriter.ReadAll(Path.Combine(layout.RollbackArchiveDir(1), "metrics.jsonl")).ToList();
        Assert.NotEmpty(archived);
        Assert.All(archived, m => Assert.True((long)m["step"]! > 2));
        Assert.Equal(archived.Count, (int)details["archived"]!["metrics_rows"]!);

        // Learning rates: the spec's before the rollback, half of them on every step after it.
        double lrG = (double)metrics[0]["lr_g"]!, lrD = (double)metrics[0]["lr_d"]!;
        Assert.All(archived, m => Assert.Equal(lrG, (double)m["lr_g"]!));
        foreach (var m in metrics.Where(m => (long)m["step"]! > 2))
        {
            Assert.Equal(0.5 * lrG, (double)m["lr_g"]!, 12);
            Assert.Equal(0.5 * lrD, (double)m["lr_d"]!, 12);
        }
        // Replicas stay identical after the rollback (cluster.hash_every=1 compares them after every step).
        Assert.All(metrics, m => Assert.True((bool)m["replica_hash_ok"]!, m.ToJsonString()));
        Assert.Equal(2, (int)metrics[^1]["world_size"]!);

        // Checkpoints newer than step 2 were removed at the rollback; the ones there now are of the second timeline.
        Assert.Contains(4L, details["dropped_checkpoints"]!.AsArray().Select(s => (long)s!));
        Assert.True(Directory.Exists(layout.CheckpointDir(2)));
    }
}
