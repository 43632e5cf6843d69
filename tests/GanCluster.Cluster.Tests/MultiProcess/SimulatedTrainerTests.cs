using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Cli.Local;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// `gancluster trainer --simulate STEP_MS` (docs/scaling.md): the real trainer node, registration, worlds, fences,
/// progress reports and the real data plane around a fake step, without a model. A coordinator and three simulated
/// trainers run as OS processes on loopback; one trainer is SIGKILLed mid-run and the two others finish the run in a
/// new world with identical replicas. No simulated trainer maps libtorch (that is what lets hundreds fit on a machine).
/// </summary>
public class SimulatedTrainerTests
{
    const int Steps = 150;

    readonly string _dir = TinyRun.TempDir("gancluster-simulated-");

    static readonly string[] Spec =
    [
        "--set", $"steps={Steps}", "--set", "cluster.workers=3", "--set", "cluster.progress_every=5", "--set", "cluster.hash_every=25",
        "--set", "checkpoint.every=0", "--set", "sample_every=0", "--set", "collapse.enabled=false",
    ];

    static readonly Dictionary<string, string> Token = new() { ["GANCLUSTER_RUN_TOKEN"] = "simulated-run" };

    List<JsonObject> Events()
    {
        try { return File.Exists(EventsPath) ? JsonlWriter.ReadAll(EventsPath).ToList() : []; }
        catch (System.Text.Json.JsonException) { return []; } // a line half written while the run goes on
    }

    string EventsPath => Path.Combine(_dir, "run", "events.jsonl");

    [Fact]
    public void Simulated_trainers_form_a_world_and_finish_the_run_after_one_is_killed()
    {
        int port = FreePorts.Next();
        using var coordinator = new RunningCli(_dir, ["coordinator", "--out", "run", "--port", port.ToString(), .. Spec], Token);
        var trainers = Enumerable.Range(0, 3).Select(_ => new RunningCli(_dir,
            ["trainer", "--out", "run", "--seed-nodes", $"127.0.0.1:{port}", "--simulate", "100", "--simulate-gradient-kib", "16", .. Spec], Token)).ToList();
        try
        {
            Assert.True(WaitUntil(() => Events().Any(e => Kind(e) == EventKind.WorldFormed && Size(e) == 3), TimeSpan.FromMinutes(4)),
                $"no world of 3 formed\n{coordinator}");
            Assert.True(coordinator.WaitFor("step 10/", TimeSpan.FromMinutes(2)), $"the world did not train\n{coordinator}");
            foreach (var t in trainers)
                Assert.DoesNotContain(File.ReadLines($"/proc/{t.ProcessId}/maps"), line => line.Contains("libtorch", StringComparison.Ordinal));

            trainers[1].Signal(9); // SIGKILL, mid-step
            Assert.Equal(0, coordinator.WaitForExit(TimeSpan.FromMinutes(4)));
            Assert.Equal(0, trainers[0].WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Equal(0, trainers[2].WaitForExit(TimeSpan.FromMinutes(1)));
        }
        finally
        {
            foreach (var t in trainers) t.Dispose();
        }

        var events = Events();
        Assert.Contains(events, e => Kind(e) == EventKind.WorldAborted);
        var worlds = events.Where(e => Kind(e) == EventKind.WorldFormed).ToList();
        Assert.Equal(3, Size(worlds[0]));
        Assert.Equal(2, Size(worlds[^1])); // the survivors went on without the killed trainer
        Assert.Contains(events, e => Kind(e) == EventKind.Recovered);
        var complete = Assert.Single(events, e => Kind(e) == EventKind.RunComplete);
        Assert.Equal(Steps, (long)complete["step"]!);
        Assert.Equal(2, (int)complete["details"]!["world_size"]!);
        Assert.True((bool)complete["details"]!["replicas_identical"]!, complete.ToJsonString());
    }

    /// <summary>
    /// Two "hosts" (127.0.0.1 and 127.0.0.2, both loopback) of two ranks each (`--device cpu,cpu`): the default schedule
    /// (auto) runs the hierarchical all-reduce on that world, the ranks stay identical; killing one host's process aborts
    /// the hierarchical world on the other host's ranks, which finish the run on one host over the flat ring.
    /// </summary>
    [Fact]
    public void Two_hosts_of_two_ranks_train_over_the_hierarchical_schedule_and_survive_losing_a_host()
    {
        int port = FreePorts.Next();
        string[] spec = [.. Spec.Select(a => a == "cluster.workers=3" ? "cluster.workers=4" : a)];
        using var coordinator = new RunningCli(_dir, ["coordinator", "--out", "run", "--port", port.ToString(), .. spec], Token);
        var trainers = new[] { "127.0.0.1", "127.0.0.2" }.Select(host => new RunningCli(_dir,
            ["trainer", "--out", "run", "--host", host, "--port", "0", "--seed-nodes", $"127.0.0.1:{port}", "--device", "cpu,cpu",
             "--simulate", "100", "--simulate-gradient-kib", "16", .. spec], Token)).ToList();
        try
        {
            Assert.True(WaitUntil(() => Events().Any(e => Kind(e) == EventKind.WorldFormed && Size(e) == 4), TimeSpan.FromMinutes(4)),
                $"no world of 4 formed\n{coordinator}\n{trainers[0]}\n{trainers[1]}");
            Assert.True(coordinator.WaitFor("step 10/", TimeSpan.FromMinutes(2)), $"the world did not train\n{coordinator}");
            foreach (var t in trainers)
                Assert.True(t.WaitFor("all-reduces over the hierarchical schedule on 2 host(s) x 2 rank(s)", TimeSpan.FromSeconds(10)), t.ToString());

            trainers[1].Signal(9); // SIGKILL: both ranks of host 127.0.0.2, mid-step
            Assert.Equal(0, coordinator.WaitForExit(TimeSpan.FromMinutes(4)));
            Assert.Equal(0, trainers[0].WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Contains("all-reduces over the flat ring of 2 ranks", trainers[0].ToString());
        }
        finally
        {
            foreach (var t in trainers) t.Dispose();
        }

        var events = Events();
        Assert.Contains(events, e => Kind(e) == EventKind.WorldAborted);
        Assert.Equal(2, Size(events.Last(e => Kind(e) == EventKind.WorldFormed)));
        var complete = Assert.Single(events, e => Kind(e) == EventKind.RunComplete);
        Assert.Equal(Steps, (long)complete["step"]!);
        Assert.True((bool)complete["details"]!["replicas_identical"]!, complete.ToJsonString());
    }

    static string Kind(JsonObject e) => (string)e["kind"]!;

    static int Size(JsonObject e) => (int)e["details"]!["world_size"]!;

    static bool WaitUntil(Func<bool> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(200);
        }
        return condition();
    }
}
