using System.Diagnostics;
using GanCluster.Cli.Local;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// The coordinator never touches a tensor, so its process must not load the tensor layer: a real `gancluster
/// coordinator` process runs a whole run (resume check, collapse response set up, a trainer registers, a world
/// forms, checkpoints commit, the run completes) while this test reads /proc/PID/maps, and no snapshot may show
/// GanCluster.Training.dll, TorchSharp.dll or libtorch. The slim coordinator image (Dockerfile target
/// `coordinator`, without libtorch) relies on this.
/// </summary>
public class TorchFreeCoordinatorTests
{
    static readonly string[] TensorLayer = ["GanCluster.Training.dll", "TorchSharp.dll", "libtorch"];

    readonly string _dir = TinyRun.TempDir("gancluster-torchfree-");

    [Fact]
    public async Task A_coordinator_runs_a_whole_run_without_mapping_the_tensor_layer()
    {
        int port = FreePorts.Next();
        string[] spec =
        [
            "--set", "steps=4", "--set", "checkpoint.every=2", "--set", "collapse.enabled=true", "--set", "collapse.classifier=none",
            "--set", "collapse.response.enabled=true", .. TinyRun.Args,
        ];
        var token = new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = "t" }; // every node needs the run's token
        using var coordinator = Process.Start(CliProcess.StartInfo(_dir, ["coordinator", "--out", "run", "--port", port.ToString(), "--resume", .. spec], token))!;
        var stdout = coordinator.StandardOutput.ReadToEndAsync();
        var stderr = coordinator.StandardError.ReadToEndAsync();
        var mapped = new HashSet<string>();
        int snapshots = 0;
        var watcher = Task.Run(() =>
        {
            // Assemblies are never unloaded: the last snapshot before exit holds all the process ever mapped.
            while (!coordinator.HasExited)
            {
                try
                {
                    foreach (var line in File.ReadLines($"/proc/{coordinator.Id}/maps"))
                        if (line.LastIndexOf('/') is int slash and >= 0) mapped.Add(line[(slash + 1)..]);
                    snapshots++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // exiting
                Thread.Sleep(100);
            }
        });
        try
        {
            var trainer = CliProcess.Run(_dir, TimeSpan.FromMinutes(6),
                ["trainer", "--out", "run", "--seed-nodes", $"akka.tcp://gancluster@127.0.0.1:{port}", .. spec], token);
            Assert.True(trainer.ExitCode == 0, trainer.ToString());
            Assert.True(coordinator.WaitForExit(TimeSpan.FromMinutes(2)), "the coordinator did not end after the run");
        }
        finally
        {
            if (!coordinator.HasExited) coordinator.Kill(entireProcessTree: true);
            coordinator.WaitForExit();
            await watcher.WaitAsync(TimeSpan.FromSeconds(10));
        }
        string coordinatorOut = await stdout;
        string output = $"coordinator exit {coordinator.ExitCode}\n{coordinatorOut}\n{await stderr}";
        Assert.True(coordinator.ExitCode == 0, output);
        Assert.Contains("--resume: no valid checkpoint", coordinatorOut);
        Assert.True(snapshots > 0 && mapped.Contains("GanCluster.Cluster.dll"), $"{snapshots} maps snapshots, no GanCluster.Cluster.dll: {output}");
        foreach (var library in TensorLayer)
            Assert.DoesNotContain(mapped, file => file.Contains(library, StringComparison.Ordinal));
        var kinds = JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl")).Select(e => (string)e["kind"]!).ToList();
        Assert.Contains(EventKind.WorldFormed, kinds);
        Assert.Contains(EventKind.CheckpointCommitted, kinds);
        Assert.Contains(EventKind.RunComplete, kinds);
    }
}
