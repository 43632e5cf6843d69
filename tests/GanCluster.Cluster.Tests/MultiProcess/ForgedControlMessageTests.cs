using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Membership;
using GanCluster.Collective;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// A process outside the run (this test, with an actor system of its own and without the run token) sends the
/// messages that used to stop, abort, re-point or crash a run: to every trainer a stop, aborts and a world from the
/// far future with a checkpoint outside the run; to the coordinator a registration with a short spec hash (it used to
/// throw in the singleton) and reports for a world it is not in. A real 2-worker `gancluster local` run (TLS off, so
/// the MAC is the only barrier) must drop and count them all, and end as if nothing happened.
/// </summary>
public class ForgedControlMessageTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-forged-");

    static void Until(Func<bool> condition, string what, Process local, StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (local.HasExited || clock.Elapsed > TimeSpan.FromMinutes(4)) Assert.Fail($"never saw {what}:\n{output}");
            Thread.Sleep(250);
        }
    }

    static long Refused(string metricsUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            string text = http.GetStringAsync(metricsUrl).GetAwaiter().GetResult();
            return Regex.Matches(text, @"^gancluster_refused_control_messages_total\{[^}]*reason=""bad_mac""[^}]*\} (\d+)", RegexOptions.Multiline)
                .Sum(m => long.Parse(m.Groups[1].Value));
        }
        catch (HttpRequestException) { return 0; }
    }

    /// <summary>The local addresses a TCP port listens on (Linux: /proc/net/tcp and tcp6).</summary>
    static List<string> ListeningAddresses(int port)
    {
        var found = new List<string>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = f[1].Split(':');
                if (f[3] != "0A" || Convert.ToInt32(local[1], 16) != port) continue; // 0A: LISTEN
                var bytes = Convert.FromHexString(local[0]);
                for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4); // each 32-bit word is little-endian
                found.Add(new System.Net.IPAddress(bytes).ToString());
            }
        return found;
    }

    [Fact]
    public async Task Forged_control_messages_from_outside_the_run_are_dropped_counted_and_change_nothing()
    {
        const int steps = 1500;
        var output = new StringBuilder();
        using var local = Process.Start(CliProcess.StartInfo(_dir,
        [
            "local", "--workers", "2", "--no-tls", "--out", "run", "--set", $"steps={steps}", .. TinyRun.Args,
            "--set", "sample_every=0", "--set", "log_every=500", "--set", "cluster.progress_every=100",
        ]))!;
        local.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        local.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        local.BeginOutputReadLine();
        local.BeginErrorReadLine();
        using var outsider = Protocol.RemotingNode.Start(RunToken.New()); // not the run's token: it has none
        try
        {
            string run = Path.Combine(_dir, "run");
            string metrics = Path.Combine(run, "metrics.jsonl");
            Until(() => File.Exists(metrics) && JsonlWriter.LastStep(metrics) >= 5, "training", local, output);
            var processes = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "local", "processes.json")))!.AsArray();
            var ports = processes.ToDictionary(p => (string)p!["name"]!, p => (int)p!["port"]!);
            var metricsUrls = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "local", "metrics-ports.json")))!.AsArray()
                .ToDictionary(p => (string)p!["name"]!, p => (string)p!["url"]!);

            foreach (var trainer in new[] { "t0", "t1" })
            {
                var target = outsider.ActorSelection($"akka.tcp://gancluster@127.0.0.1:{ports[trainer]}/user/trainer-0");
                target.Tell(new StopTraining(ControlProtocol.Version, "forged", Failed: true));
                for (long epoch = 1; epoch <= 3; epoch++)
                    target.Tell(new AbortWorld(ControlProtocol.Version, epoch, "forged", Fenced: true));
                target.Tell(new WorldFormed(ControlProtocol.Version, 1L << 62, [new WorldMember(0, "x", "127.0.0.1", 1)], 0, "/etc"));
            }
            foreach (var name in new[] { "singleton", "coordinator" })
            {
                var coordinator = outsider.ActorSelection($"akka.tcp://gancluster@127.0.0.1:{ports["coord"]}/user/coordinator/{name}");
                coordinator.Tell(new RegisterTrainer(ControlProtocol.Version, "intruder", "cpu", "127.0.0.1", 1, "x", "0"));
                for (long epoch = 1; epoch <= 3; epoch++)
                    coordinator.Tell(new TrainerFailed(ControlProtocol.Version, "intruder", epoch, 1, "forged", Fatal: true));
            }
            Until(() => Refused(metricsUrls["t0"]) >= 5 && Refused(metricsUrls["t1"]) >= 5, "the trainers count the forged messages", local, output);
            // `local` binds every metrics endpoint to loopback only.
            foreach (var url in metricsUrls.Values)
                Assert.Equal(["127.0.0.1"], ListeningAddresses(new Uri(url).Port));

            Assert.True(local.WaitForExit(TimeSpan.FromMinutes(6)), $"the run did not end:\n{output}");
            local.WaitForExit();
            Assert.True(local.ExitCode == 0, output.ToString());
            var events = JsonlWriter.ReadAll(Path.Combine(run, "events.jsonl")).ToList();
            var kinds = events.Select(e => (string)e["kind"]!).ToList();
            Assert.Single(kinds, k => k == EventKind.WorldFormed); // never aborted, re-formed or re-pointed
            Assert.DoesNotContain(EventKind.WorldAborted, kinds);
            Assert.DoesNotContain(EventKind.MemberLost, kinds);
            Assert.DoesNotContain(EventKind.TrainerFailed, kinds);
            Assert.DoesNotContain(events, e => e.ToJsonString().Contains("intruder"));
            var complete = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunComplete);
            Assert.True((bool)complete["details"]!["replicas_identical"]!);
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), JsonlWriter.ReadAll(Path.Combine(run, "metrics.jsonl")).Select(m => (long)m["step"]!));
        }
        finally
        {
            if (!local.HasExited) local.Kill(entireProcessTree: true);
            await outsider.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
