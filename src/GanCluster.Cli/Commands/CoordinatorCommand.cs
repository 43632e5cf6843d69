using System.CommandLine;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using GanCluster.Cli.Terminal;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster coordinator`: the node that hosts the coordinator singleton (one per run; k8s runs it as a pod).</summary>
public static class CoordinatorCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = CommonOptions.Out();
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its newest valid checkpoint" };
        var force = new Option<bool>("--force") { Description = "with --resume: accept training-defining spec changes" };
        var workers = new Option<int?>("--workers") { Description = "trainers to wait for (overrides cluster.workers)" };
        var node = NodeCommandOptions.Create(defaultPort: 4053);
        var metrics = new MetricsOptions();
        var command = new Command("coordinator", $"run the coordinator node of a cluster run (the run token comes from ${NodeCommandOptions.TokenVariable})") { config, set, output, resume, force, workers };
        node.AddTo(command);
        metrics.AddTo(command);
        command.SetAction(parse =>
        {
            var spec = CommonOptions.LoadSpec(parse.GetValue(config), WithWorkers(parse.GetValue(set), parse.GetValue(workers)));
            string outDir = parse.GetValue(output) ?? throw new SpecException("--out", "the run directory", "nothing", "input");
            var nodeOptions = node.Read(parse, NodeOptions.CoordinatorRole);
            Directory.CreateDirectory(outDir);
            // A coordinator replacing one of a running run (the fence exists) rejoins that cluster, through its seeds and
            // the trainer nodes the previous coordinator recorded; only a fresh or resumed run may form a new one.
            bool fresh = parse.GetValue(resume) || RunStorage.Fence(new RunLayout(outDir), spec.Checkpoint).Read() == 0;
            nodeOptions = nodeOptions with
            {
                Journal = JournalOptions.FromEnvironment(outDir),
                MayFormCluster = fresh,
                SeedNodes = fresh ? nodeOptions.SeedNodes : [.. nodeOptions.SeedNodes, .. CoordinatorRunDirectory.ReadMemberNodes(outDir)],
            };
            var lifetime = new NodeLifetime();
            using var telemetry = metrics.Start(parse, outDir, NodeOptions.CoordinatorRole);
            var settings = new CoordinatorSettings
            {
                Metrics = telemetry.Coordinator(spec.Cluster.Workers, spec.Cluster.MinWorkers),
                Spec = spec,
                RunDir = outDir,
                Resume = parse.GetValue(resume),
                Force = parse.GetValue(force),
                ReplacesRunning = !fresh,
                Log = line => NodeLog.Line(line),
                Finished = lifetime.PartStopped,
            };
            using var host = ClusterNodeHost.Build(nodeOptions, akka =>
                akka.WithSingleton<CoordinatorKey>("coordinator", CoordinatorActor.Props(settings),
                    new ClusterSingletonOptions { Role = NodeOptions.CoordinatorRole }, createProxyToo: false));
            using var signal = new ShutdownSignal();
            return ClusterNodeHost.RunAsync(host, nodeOptions, lifetime, signal.Token, onSignal: () => lifetime.PartStopped(signal.ExitCode), () => signal.ExitCode)
                .GetAwaiter().GetResult();
        });
        return command;
    }

    static string[] WithWorkers(string[]? sets, int? workers) =>
        workers is { } n ? [.. sets ?? [], $"cluster.workers={n}"] : sets ?? [];
}
