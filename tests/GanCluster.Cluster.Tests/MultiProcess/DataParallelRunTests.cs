using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// `gancluster local --workers N`: a coordinator and N trainer processes on loopback, gradients averaged over the
/// real TCP ring. The run directory is written once (by rank 0), and the replicas end bit-identical.
/// </summary>
public class DataParallelRunTests
{
    const int Steps = 24;
    const int HashEvery = 8;
    const int CheckpointEvery = 12;
    const int SampleEvery = 6;

    readonly string _dir = TinyRun.TempDir("gancluster-dp-");

    static List<JsonObject> Events(string runDir) => JsonlWriter.ReadAll(Path.Combine(runDir, "events.jsonl")).ToList();

    static List<JsonObject> Metrics(string runDir) => JsonlWriter.ReadAll(Path.Combine(runDir, "metrics.jsonl")).ToList();

    /// <summary>Runs a tiny local run with <paramref name="workers"/> trainer processes; returns the run directory.</summary>
    string LocalRun(int workers, string name, params string[] extra)
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(8),
        [
            "local", "--workers", workers.ToString(), "--out", name,
            .. TinyRun.Args,
            "--set", $"steps={Steps}", "--set", $"cluster.hash_every={HashEvery}", "--set", "cluster.progress_every=6",
            "--set", $"checkpoint.every={CheckpointEvery}", "--set", "checkpoint.keep=5", "--set", $"sample_every={SampleEvery}",
            .. extra,
        ]);
        Assert.True(r.ExitCode == 0, r.ToString());
        for (int rank = 0; rank < workers; rank++) Assert.Contains($"[t{rank}]", r.Stdout);
        return Path.Combine(_dir, name);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_local_run_of_N_workers_ends_with_identical_replicas_and_writes_the_run_directory_once(int workers)
    {
        string run = LocalRun(workers, "run");
        var events = Events(run);

        // The coordinator compared every trainer's final hash.
        var complete = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.Equal(workers, (int)complete["details"]!["world_size"]!);
        Assert.True((bool)complete["details"]!["replicas_identical"]!, complete.ToJsonString());
        Assert.Equal(Steps, (long)complete["step"]!);
        // Rank 0's own end-of-run event (written once) has the same hash.
        var finished = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunFinished);
        Assert.Equal((string)complete["details"]!["replica_hash"]!, (string)finished["details"]!["replica_hash"]!);
        Assert.DoesNotContain(events, e => (string)e["kind"]! == EventKind.ReplicaHashMismatch);
        var formed = events.Where(e => (string)e["kind"]! == EventKind.WorldFormed).ToList();
        Assert.NotEmpty(formed);

        // metrics.jsonl: one row per step, in order, written by rank 0 alone (N writers would repeat steps).
        var metrics = Metrics(run);
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), metrics.Select(m => (long)m["step"]!));
        Assert.All(metrics, m => Assert.Equal(workers, (int)m["world_size"]!));
        // The per-rank batch stays 8 (cluster.batch_rule keep-per-rank), so every step shows 8 x N images.
        Assert.All(metrics, m => Assert.Equal(8L * workers * (long)m["step"]!, (long)m["images"]!));
        // Replica hashes were compared on the check steps (and only there), and agreed.
        foreach (var m in metrics)
        {
            long step = (long)m["step"]!;
            if (step % HashEvery == 0) Assert.True((bool)m["replica_hash_ok"]!, m.ToJsonString());
            else Assert.Null(m["replica_hash_ok"]);
        }

        // Samples and checkpoints: exactly the expected set, each checkpoint committed once.
        var samples = Directory.GetFiles(Path.Combine(run, "samples")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(Enumerable.Range(1, Steps / SampleEvery).Select(i => $"step-{i * SampleEvery:D6}.png"), samples);
        var checkpoints = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["step-000012", "step-000024"], checkpoints);
        var commits = events.Where(e => (string)e["kind"]! == EventKind.CheckpointCommitted).Select(e => (long)e["step"]!).ToList();
        Assert.Equal([12L, 24], commits);
    }

    [Fact]
    public void Two_identical_two_worker_runs_end_with_the_same_replica_hash()
    {
        // Determinism across runs: same seed and spec, different processes, ports and timing.
        string first = LocalRun(2, "a");
        string second = LocalRun(2, "b");
        string Hash(string run) => (string)Events(run).Single(e => (string)e["kind"]! == EventKind.RunComplete)["details"]!["replica_hash"]!;
        Assert.Equal(Hash(first), Hash(second));
        Assert.Equal(Metrics(first).Select(m => (double)m["loss_d"]!), Metrics(second).Select(m => (double)m["loss_d"]!));
    }
    [Fact]
    public void A_learning_rate_change_in_a_two_worker_run_takes_effect_at_its_stamped_step_on_both_replicas()
    {
        // plateau on loss_d in mode min with threshold 1: "improved" would need loss_d < 0, which BCE never gives,
        // so after the first step (the baseline) every 4 observed steps cut both rates in half: the first cut is
        // decided after step 5 and takes effect at step 6, then 10, 14, ... until min_lr.
        File.WriteAllText(Path.Combine(_dir, "policy.yaml"), """
            policy:
              - { kind: plateau, metric: loss_d, mode: min, threshold: 1.0, factor: 0.5, patience: 4, smoothing: 0, min_lr: 1.0e-5 }
            """);
        string run = LocalRun(2, "run", "--config", Path.Combine(_dir, "policy.yaml"));
        var events = Events(run);
        var metrics = Metrics(run);
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), metrics.Select(m => (long)m["step"]!));

        var changes = events.Where(e => (string)e["kind"]! == EventKind.LrChanged).ToList();
        Assert.NotEmpty(changes);
        // One event per decision and network (written once, not once per rank).
        var keys = changes.Select(e => ((long)e["step"]!, (string)e["details"]!["network"]!)).ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
        Assert.Equal(6L, changes.Min(e => (long)e["step"]!));
        Assert.Equal([6L, 10, 14, 18, 22], changes.Select(e => (long)e["step"]!).Distinct().Order());

        // Replaying the events over the first row's rates predicts every row: the new rate appears exactly at the
        // stamped step (the old one up to the step before), on the row rank 0 wrote for the whole world.
        var lr = new Dictionary<string, double> { ["g"] = (double)metrics[0]["lr_g"]!, ["d"] = (double)metrics[0]["lr_d"]! };
        foreach (var row in metrics)
        {
            long step = (long)row["step"]!;
            foreach (var change in changes.Where(e => (long)e["step"]! == step))
            {
                string network = (string)change["details"]!["network"]!;
                Assert.Equal((double)change["details"]!["old"]!, lr[network]);
                Assert.Equal("plateau", (string)change["details"]!["source"]!);
                lr[network] = (double)change["details"]!["new"]!;
            }
            Assert.Equal(lr["g"], (double)row["lr_g"]!);
            Assert.Equal(lr["d"], (double)row["lr_d"]!);
        }
        Assert.True(lr["g"] < (double)metrics[0]["lr_g"]! && lr["d"] < (double)metrics[0]["lr_d"]!);

        // Both replicas applied every change at the same step: hashes agreed on the check steps and at the end.
        Assert.All(metrics.Where(m => (long)m["step"]! % HashEvery == 0), m => Assert.True((bool)m["replica_hash_ok"]!));
        var complete = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.True((bool)complete["details"]!["replicas_identical"]!, complete.ToJsonString());
    }
}
