using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>Real processes on loopback: `gancluster local`, and nodes started by hand.</summary>
public class LocalRunTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-local-");

    static List<JsonObject> Events(string runDir) => JsonlWriter.ReadAll(Path.Combine(runDir, "events.jsonl")).ToList();

    [Fact]
    public void A_one_worker_local_run_completes_through_the_coordinator()
    {
        var r = CliProcess.Run(_dir, ["local", "--workers", "1", "--out", "run", "--set", "steps=4", "--set", "cluster.progress_every=2", .. TinyRun.Args]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("[coord]", r.Stdout);
        Assert.Contains("[t0]", r.Stdout);
        string run = Path.Combine(_dir, "run");
        // TLS by default, with a certificate made for the run that only its owner can read (docs/security.md).
        string certificate = Path.Combine(run, "local", "tls", "cluster.pfx");
        Assert.Contains($"TLS on Akka remoting with a certificate made for this run: {certificate}", r.Stdout);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        var kinds = Events(run).Select(e => (string)e["kind"]!).ToList();
        Assert.Contains(EventKind.WorldFormed, kinds);
        Assert.Contains(EventKind.RunStarted, kinds);
        var complete = Events(run).Single(e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.True((bool)complete["details"]!["replicas_identical"]!);
        var steps = JsonlWriter.ReadAll(Path.Combine(run, "metrics.jsonl")).Select(m => (long)m["step"]!).ToList();
        Assert.Equal([1L, 2, 3, 4], steps);
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "step-000004")));
    }

    [Fact]
    public void A_trainer_with_a_different_spec_is_refused_with_a_clear_message()
    {
        int port = FreePort();
        var env = new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = "t" };
        using var coordinator = Process.Start(CliProcess.StartInfo(_dir,
            ["coordinator", "--out", "run", "--port", port.ToString(), "--set", "steps=4", .. TinyRun.Args], env))!;
        try
        {
            var trainer = CliProcess.Run(_dir, TimeSpan.FromMinutes(3),
                ["trainer", "--out", "run", "--seed-nodes", $"akka.tcp://gancluster@127.0.0.1:{port}", "--set", "steps=4", .. TinyRun.Args, "--set", "model.ngf=16"],
                env);
            Assert.True(trainer.ExitCode == 2, trainer.ToString());
            Assert.Contains("refused", trainer.Stdout);
            Assert.Contains("run spec hash", trainer.Stdout);
        }
        finally
        {
            coordinator.Kill(entireProcessTree: true);
        }
        var refused = Events(Path.Combine(_dir, "run")).First(e => (string)e["kind"]! == EventKind.TrainerRefused);
        Assert.Contains("--config", (string)refused["details"]!["reason"]!);
    }

    static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
