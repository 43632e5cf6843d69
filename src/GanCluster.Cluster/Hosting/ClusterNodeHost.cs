using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using GanCluster.Cluster.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Akka.Logger.Serilog;
using GanCluster.Core.Runs;
using GanCluster.Telemetry.Logging;
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
        var envelope = new ControlEnvelope(node.Token);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // the node logs through NodeLog; Akka too (below)
        builder.Services.AddAkka(NodeOptions.SystemName, akka =>
        {
            // Akka's own log is for debugging the cluster: errors only, unless GANCLUSTER_AKKA_LOGLEVEL asks for more.
            // A peer that died (the normal case in a fault-tolerance test) is not an error worth a stack trace.
            // It goes into the node's own log stream (NodeLog: text or JSON lines, same node label) through Serilog.
            akka.ConfigureLoggers(l =>
                {
                    l.ClearLoggers();
                    l.AddSerilogLogging();
                    l.LogLevel = Environment.GetEnvironmentVariable("GANCLUSTER_AKKA_LOGLEVEL") switch
                    {
                        "DEBUG" => Akka.Event.LogLevel.DebugLevel,
                        "INFO" => Akka.Event.LogLevel.InfoLevel,
                        "WARNING" => Akka.Event.LogLevel.WarningLevel,
                        _ => Akka.Event.LogLevel.ErrorLevel,
                    };
                    l.LogFilterBuilder = new Akka.Event.LogFilterBuilder()
                        .ExcludeSourceContaining("endpointWriter")
                        .ExcludeMessageContaining("Disassociated");
                })
                .WithRemoting(Remoting(node))
                .WithClustering(new ClusterOptions
                {
                    Roles = [node.Role],
                    SeedNodes = node.Discovery == DiscoveryMode.Kubernetes ? [] : node.SeedNodes.Select(a => NodeOptions.ForTransport(a, node.Tls != null)).ToArray(),
                    // The side with the oldest trainer (NodeOptions.KeepOldestRole) survives a partition; a lone
                    // oldest trainer is downed so the rest carry on (docs/fault-tolerance.md).
                    SplitBrainResolver = new KeepOldestOption { DownIfAlone = true, Role = node.KeepOldestRole },
                    FailureDetector = new Akka.Remote.Hosting.PhiAccrualFailureDetectorOptions
                    {
                        HeartbeatInterval = node.Timing.HeartbeatInterval,
                        AcceptableHeartbeatPause = node.Timing.AcceptableHeartbeatPause,
                    },
                })
                .AddHocon($$"""
                    akka.cluster.split-brain-resolver.stable-after = {{(int)node.Timing.StableAfter.TotalMilliseconds}}ms
                    # A trainer waking from a pause sees every other node unreachable for a moment; "unstable" must not
                    # mean "down everyone" (the default), which turned one gray failure into a whole-cluster restart.
                    akka.cluster.split-brain-resolver.down-all-when-unstable = off
                    akka.cluster.down-removal-margin = {{(int)node.Timing.StableAfter.TotalMilliseconds}}ms
                    akka.cluster.singleton-proxy.log-singleton-identification-failure = off
                    akka.cluster.seed-node-timeout = 5s
                    # What Akka logs before its loggers start and after they stop goes to the same stream too.
                    akka.stdout-logger-class = "{{typeof(NodeLogMinimalLogger).AssemblyQualifiedName}}"
                    akka.remote.log-remote-lifecycle-events = off
                    akka.remote.retry-gate-closed-for = 1s
                    akka.coordinated-shutdown.exit-clr = off
                    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                    {{ForbiddenObjectSerializer.Hocon}}
                    """, HoconAddMode.Prepend)
                // Control messages are sealed with the run token (docs/security.md); journal events stay plain.
                .WithCustomSerializer("gancluster-control", ControlMessageSerializer.MessageTypes,
                    system => new ControlMessageSerializer(system, envelope))
                .WithCustomSerializer("gancluster-journal", JournalEventSerializer.EventTypes, system => new JournalEventSerializer(system));
            if (node.Discovery == DiscoveryMode.Kubernetes)
                KubernetesBootstrap.Apply(akka, node); // Akka.Management + cluster bootstrap instead of seed nodes
            if (node.Journal is { } journal)
                akka.WithSqlPersistence(journal.ConnectionString, journal.Provider, autoInitialize: true);
            actors(akka);
        });
        return builder.Build();
    }

    static RemoteOptions Remoting(NodeOptions node)
    {
        var remote = new RemoteOptions { HostName = node.Host, PublicHostName = node.PublicHost ?? node.Host, Port = node.Port };
        if (node.Tls is { } tls)
        {
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = tls.Certificate,
                SuppressValidation = false,
                RequireMutualAuthentication = true,
                // Only peers presenting the cluster certificate itself (a self-signed one is in no trust store).
                CustomValidator = Akka.Remote.Transport.DotNetty.CertificateValidation.PinnedCertificate(tls.Certificate.Thumbprint),
            };
        }
        return remote;
    }

    /// <summary>Exit code of a node whose actor system ended without being asked (downed by the split-brain resolver).</summary>
    public const int RemovedFromClusterExitCode = ExitCodes.RejoinRequested;

    /// <summary>Runs a node until its lifetime reports an exit code, or a signal asks it to stop.</summary>
    /// <param name="signalExitCode">the code for the signal received (130 SIGINT, 143 SIGTERM), read once it came.</param>
    /// <param name="coordinatorWatchdog">trainer nodes: leave (exit 3) after this long in a cluster without a coordinator.</param>
    public static async Task<int> RunAsync(IHost host, NodeLifetime lifetime, CancellationToken signal, Action onSignal,
        Func<int> signalExitCode, TimeSpan? coordinatorWatchdog = null)
    {
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = signal.Register(() => stop.TrySetResult());
        using var watchdogStop = new CancellationTokenSource();
        var orphaned = coordinatorWatchdog is { } limit
            ? CoordinatorWatchdog.WaitForLossAsync(system, limit, watchdogStop.Token)
            : Task.Delay(Timeout.Infinite, watchdogStop.Token);
        var first = await Task.WhenAny(lifetime.ExitCode, stop.Task, system.WhenTerminated, orphaned);
        watchdogStop.Cancel();
        int code;
        if (first == system.WhenTerminated || first == orphaned)
        {
            // This node was removed from the cluster (e.g. it was paused past the failure detector and downed), or
            // its cluster has had no coordinator for too long. It cannot rejoin with the same actor system: exit,
            // and let the supervisor start a new member.
            NodeLog.Warning(first == orphaned
                ? $"no coordinator in this cluster for {coordinatorWatchdog!.Value.TotalSeconds:F0} s; exiting so that a new member can rejoin"
                : "this node was removed from the cluster; exiting so that it can rejoin as a new member");
            await host.StopAsync();
            return RemovedFromClusterExitCode;
        }
        if (first == stop.Task)
        {
            onSignal();
            // Give the node time to finish the current step and checkpoint before leaving the cluster.
            code = await Task.WhenAny(lifetime.ExitCode, Task.Delay(TimeSpan.FromSeconds(60))) == lifetime.ExitCode ? signalExitCode() : ExitCodes.Failure;
        }
        else code = await lifetime.ExitCode;
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await host.StopAsync();
        return code;
    }
}
