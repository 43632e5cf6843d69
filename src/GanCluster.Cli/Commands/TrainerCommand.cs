using System.CommandLine;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using GanCluster.Cli.Terminal;
using GanCluster.Cluster.DataPlane;
using GanCluster.Cluster.Hosting;
using GanCluster.Cluster.Protocol;
using GanCluster.Cluster.Trainer;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;
using GanCluster.Training.TensorBoard;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster trainer`: a node hosting one trainer (rank) per local device.</summary>
public static class TrainerCommand
{
    public const string TokenVariable = NodeCommandOptions.TokenVariable;

    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = CommonOptions.Out();
        var devices = CommonOptions.Device(list: true);
        var tensorboard = CommonOptions.TensorBoard();
        var dataPort = new Option<int>("--data-port") { Description = "first data-plane port (one per device; 0: any free port)", DefaultValueFactory = _ => 0 };
        var force = new Option<bool>("--force") { Description = "accept a resume checkpoint whose training-defining spec fields differ" };
        var simulation = new SimulationCommandOptions();
        var node = NodeCommandOptions.Create(defaultPort: 0);
        var metrics = new MetricsOptions();
        var command = new Command("trainer", $"run a trainer node (the run token comes from ${TokenVariable})") { config, set, output, devices, dataPort, force, tensorboard };
        node.AddTo(command);
        metrics.AddTo(command);
        simulation.AddTo(command);
        command.SetAction(parse =>
        {
            var spec = CommonOptions.LoadSpec(parse.GetValue(config), parse.GetValue(set));
            string outDir = parse.GetValue(output) ?? throw new SpecException("--out", "the run directory (shared with the coordinator)", "nothing", "input");
            var nodeOptions = node.Read(parse, NodeOptions.TrainerRole);
            var simulated = simulation.Read(parse);
            ReplicaFactory createReplica = simulated != null ? SimulatedReplica.Factory(simulated) : GanRankReplica.Create;
            // Bad devices are input errors, before joining (a simulated trainer's devices are only labels).
            var deviceList = CommonOptions.Devices(parse, devices, list: true, parseWithTorch: simulated == null);
            string token = NodeCommandOptions.ReadTokenSecret();
            int firstDataPort = parse.GetValue(dataPort);
            var planes = deviceList.Select((_, i) => DataPlanes.Open(token, nodeOptions.Host, nodeOptions.PublicHost ?? nodeOptions.Host,
                firstDataPort == 0 ? 0 : firstDataPort + i, spec.Cluster.Transport)).ToList();
            var lifetime = new NodeLifetime(deviceList.Count);
            // Unique per process incarnation: in a pod every container restart is PID 1 on the same host name.
            string incarnation = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
            var trainerIds = deviceList.Select((_, i) => $"{Environment.MachineName}:{Environment.ProcessId}.{incarnation}/{i}").ToArray();
            var rankHints = deviceList.Select((_, i) => PodRank.Hint(Environment.GetEnvironmentVariable(PodRank.OrdinalVariable), deviceList.Count, i)).ToArray();
            using var telemetry = metrics.Start(parse, outDir, NodeOptions.TrainerRole);
            var trainers = new List<IActorRef>();
            // One event file per process: only rank 0 writes rows and samples, whichever local trainer holds it.
            using var board = CommonOptions.TensorBoardDir(parse, tensorboard, spec, outDir) is { } boardDir ? new TensorBoardSink(boardDir) : null;
            using var host = ClusterNodeHost.Build(nodeOptions, akka => akka
                .WithSingletonProxy<CoordinatorKey>("coordinator", new ClusterSingletonOptions { Role = NodeOptions.CoordinatorRole })
                .WithActors((system, registry) =>
                {
                    var coordinator = registry.Get<CoordinatorKey>();
                    for (int i = 0; i < deviceList.Count; i++)
                    {
                        var rankMetrics = telemetry.AddTrainer();
                        var settings = new TrainerSettings
                        {
                            Spec = spec,
                            RunDir = outDir,
                            Device = deviceList[i],
                            TrainerId = trainerIds[i],
                            RankHint = rankHints[i],
                            DataPlane = planes[i],
                            CreateReplica = createReplica,
                            Coordinator = coordinator,
                            Force = parse.GetValue(force),
                            Log = line => NodeLog.Line(line, rankMetrics.Rank),
                            Stopped = lifetime.PartStopped,
                            Metrics = rankMetrics,
                            TrainerCreated = board == null ? null : board.Attach,
                        };
                        trainers.Add(system.ActorOf(TrainerActor.Props(settings), $"trainer-{i}"));
                    }
                }));
            using var signal = new ShutdownSignal();
            try
            {
                return ClusterNodeHost.RunAsync(host, nodeOptions, lifetime, signal.Token, onSignal: () =>
                {
                    // Sent as the trainer itself: a control message without a sender is never trusted (docs/security.md).
                    foreach (var t in trainers) t.Tell(new StopTraining(ControlProtocol.Version, "signal", Failed: false), t);
                }, () => signal.ExitCode).GetAwaiter().GetResult();
            }
            finally
            {
                foreach (var p in planes) p.Dispose();
            }
        });
        return command;
    }
}
