using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using GanCluster.Cluster.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanCluster.Cluster.Hosting;

/// <summary>The coordinator singleton's key in the Akka.Hosting actor registry.</summary>
public sealed class CoordinatorKey;

/// <summary>
/// Builds a node's host: Akka remoting and clustering (roles, seed nodes, failure detection, split-brain
/// resolver), the control-message serializer, the coordinator singleton (or a proxy to it), and the node's
/// own actors. The only place where Akka is configured.
/// </summary>
public static class ClusterNodeHost
{
    public static IHost Build(NodeOptions node, Action<AkkaConfigurationBuilder> actors)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // the CLI prints its own lines; Akka logs warnings to stderr below
        builder.Services.AddAkka(NodeOptions.SystemName, akka =>
        {
            akka.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel)
                .WithRemoting(new RemoteOptions
                {
                    HostName = node.Host,
                    PublicHostName = node.PublicHost ?? node.Host,
                    Port = node.Port,
                })
                .WithClustering(new ClusterOptions
                {
                    Roles = [node.Role],
                    SeedNodes = node.SeedNodes.ToArray(),
                    // The side with the oldest node (the coordinator, normally) survives a partition; a lone oldest
                    // node (a crashed coordinator) is downed so the trainers carry on (docs/fault-tolerance.md).
                    SplitBrainResolver = new KeepOldestOption { DownIfAlone = true },
                    FailureDetector = new Akka.Remote.Hosting.PhiAccrualFailureDetectorOptions
                    {
                        HeartbeatInterval = node.Timing.HeartbeatInterval,
                        AcceptableHeartbeatPause = node.Timing.AcceptableHeartbeatPause,
                    },
                })
                .AddHocon($$"""
                    akka.cluster.split-brain-resolver.stable-after = {{(int)node.Timing.StableAfter.TotalMilliseconds}}ms
                    akka.cluster.down-removal-margin = {{(int)node.Timing.StableAfter.TotalMilliseconds}}ms
                    akka.cluster.singleton-proxy.log-singleton-identification-failure = off
                    akka.coordinated-shutdown.exit-clr = off
                    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                    """, HoconAddMode.Prepend)
                .WithCustomSerializer("gancluster-control", ControlMessageSerializer.MessageTypes.Concat([typeof(IControlMessage)]),
                    system => new ControlMessageSerializer(system));
            if (node.Journal is { } journal)
                akka.WithSqlPersistence(journal.ConnectionString, journal.Provider, autoInitialize: true);
            actors(akka);
        });
        return builder.Build();
    }

    /// <summary>Runs a node until its lifetime reports an exit code, or a signal asks it to stop.</summary>
    public static async Task<int> RunAsync(IHost host, NodeLifetime lifetime, CancellationToken signal, Action onSignal)
    {
        await host.StartAsync();
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = signal.Register(() => stop.TrySetResult());
        var first = await Task.WhenAny(lifetime.ExitCode, stop.Task);
        int code;
        if (first == stop.Task)
        {
            onSignal();
            // Give the node time to finish the current step and checkpoint before leaving the cluster.
            code = await Task.WhenAny(lifetime.ExitCode, Task.Delay(TimeSpan.FromSeconds(60))) == lifetime.ExitCode ? 130 : 1;
        }
        else code = await lifetime.ExitCode;
        var system = host.Services.GetRequiredService<ActorSystem>();
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await host.StopAsync();
        return code;
    }
}
