using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// The short chaos run of `make test` (`make chaos` is the long one): `gancluster chaos` kills a trainer mid-step,
/// pauses one (SIGSTOP, then SIGCONT) and kills the coordinator, all as real processes on loopback. The harness
/// checks the run itself; this test checks the run directory again on its own terms.
/// </summary>
public class ChaosTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-chaos-");

    [Fact]
    public void A_run_survives_a_killed_trainer_a_paused_trainer_and_a_killed_coordinator_without_losing_a_step()
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(15),
        [
            "chaos", "--workers", "3", "--out", "run", "--seed", "1", "--kills", "1", "--pauses", "1", "--coordinator-kills", "1",
            "--pause-seconds", "8", "--set", "steps=3000", "--set", "checkpoint.every=100",
            .. TinyRun.Args, "--set", "sample_every=0", "--set", "log_every=500",
        ]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("chaos: PASSED", r.Stdout);

        string run = Path.Combine(_dir, "run");
        var steps = JsonlWriter.ReadAll(Path.Combine(run, "metrics.jsonl")).Select(m => (long)m["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), steps); // every committed step once, in order

        var events = JsonlWriter.ReadAll(Path.Combine(run, "events.jsonl")).ToList();
        List<JsonObject> Of(string kind) => events.Where(e => (string)e["kind"]! == kind).ToList();
        var complete = Assert.Single(Of(EventKind.RunComplete));
        Assert.True((bool)complete["details"]!["replicas_identical"]!);
        Assert.Equal(3000L, (long)complete["step"]!);
        Assert.Single(Of(EventKind.CoordinatorRecovered));
        // The killed and the paused trainer each broke a world, and each broken world was healed.
        Assert.True(Of(EventKind.WorldAborted).Count >= 2, string.Join('\n', events));
        Assert.True(Of(EventKind.Recovered).Count >= Of(EventKind.WorldAborted).Count - 1, string.Join('\n', events));
        // The pause was noticed by the failure detector, not by the data plane alone.
        Assert.Contains(Of(EventKind.MemberLost), e => ((string?)e["details"]?["reason"] ?? "").Contains("unreachable"));
        // Epochs only grow: a fenced (paused, then woken) trainer never brought an old world back.
        var epochs = Of(EventKind.WorldFormed).Select(e => (long)e["details"]!["epoch"]!).ToList();
        Assert.Equal(epochs.Order(), epochs);
        Assert.Equal(epochs.Count, epochs.Distinct().Count());
    }
}
