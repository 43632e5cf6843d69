using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// An MSG-GAN run data-parallel over 2 trainer processes (`gancluster local --workers 2`, the real TCP ring): every
/// scale's gradients are averaged, so the replicas stay bit-identical (checked every few steps and at the end), and
/// rank 0 alone writes the samples of every scale.
/// </summary>
public class MsgDataParallelRunTests
{
    const int Steps = 12;
    const int HashEvery = 4;

    readonly string _dir = TinyRun.TempDir("gancluster-dp-msg-");

    [Fact]
    public void A_two_worker_msg_run_ends_with_identical_replicas()
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(8),
        [
            "local", "--workers", "2", "--out", "run",
            .. TinyRun.Args,
            "--set", "model.arch=msg", "--set", "model.fmaps=8", "--set", "msg.combine=lin_cat", "--set", "optim.g_ema=0.9",
            "--set", $"steps={Steps}", "--set", $"cluster.hash_every={HashEvery}", "--set", "cluster.progress_every=4",
            "--set", "checkpoint.every=6", "--set", "sample_every=6",
        ]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string run = Path.Combine(_dir, "run");
        var events = JsonlWriter.ReadAll(Path.Combine(run, "events.jsonl")).ToList();
        var complete = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.Equal(2, (int)complete["details"]!["world_size"]!);
        Assert.True((bool)complete["details"]!["replicas_identical"]!, complete.ToJsonString());
        Assert.DoesNotContain(events, e => (string)e["kind"]! == EventKind.ReplicaHashMismatch);

        var metrics = JsonlWriter.ReadAll(Path.Combine(run, "metrics.jsonl")).ToList();
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), metrics.Select(m => (long)m["step"]!));
        Assert.All(metrics.Where(m => (long)m["step"]! % HashEvery == 0), m => Assert.True((bool)m["replica_hash_ok"]!, m.ToJsonString()));
        Assert.All(metrics, m => Assert.True(double.IsFinite((double)m["loss_g"]!)));

        var samples = Directory.GetFiles(Path.Combine(run, "samples")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["scales-step-000006.png", "scales-step-000012.png", "step-000006.png", "step-000012.png"], samples);
    }
}
