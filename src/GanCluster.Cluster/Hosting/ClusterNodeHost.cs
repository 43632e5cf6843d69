using Akka.Actor;
using Akka.Cluster;
using GanCluster.Core.Membership;
using Akka.Cluster.Hosting;
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
                    // No seed nodes here: JoinAsync decides whom to join (and whether this node may form a cluster).
                    FailureDetector = new Akka.Remote.Hosting.PhiAccrualFailureDetectorOptions
                    {
                        HeartbeatInterval = node.Timing.HeartbeatInterval,
                        AcceptableHeartbeatPause = node.Timing.AcceptableHeartbeatPause,
                    },
                })
                .AddHocon($$"""
                    # Split brain: our own downing (MajorityDowningProvider, DowningPolicy; docs/fault-tolerance.md).
                    akka.cluster.downing-provider-class = "{{typeof(MajorityDowningProvider).AssemblyQualifiedName}}"
                    {{MajorityDowningProvider.StableAfterKey}} = {{(int)node.Timing.DowningStableAfter.TotalMilliseconds}}ms
                    akka.cluster.down-removal-margin = {{(int)node.Timing.DowningStableAfter.TotalMilliseconds}}ms
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


    /// <summary>
    /// Joins the cluster through the seed nodes (Kubernetes discovery joins by itself, through the bootstrap). The join
    /// order follows <see cref="NodeOptions.MayFormCluster"/>: a coordinator that replaces one of a running run first
    /// only joins, and may form a new cluster only after <see cref="ClusterTimings.RejoinBeforeNewCluster"/>.
    /// </summary>
    static async Task JoinAsync(ActorSystem system, NodeOptions node, CancellationToken cancel)
    {
        if (node.Discovery == DiscoveryMode.Kubernetes) return;
        var cluster = Akka.Cluster.Cluster.Get(system);
        string self = cluster.SelfAddress.ToString();
        var seeds = node.JoinOrder(self, node.MayFormCluster);
        if (seeds.Count == 0)
            throw new Core.Spec.SpecException("--seed-nodes", "the address of another node of the cluster (a trainer never forms a cluster)", "only this node", "input");
        cluster.JoinSeedNodes(seeds.Select(Akka.Actor.Address.Parse));
        if (node.MayFormCluster || node.Role != NodeOptions.CoordinatorRole) return;
        try { await Task.Delay(node.Timing.RejoinBeforeNewCluster, cancel); }
        catch (OperationCanceledException) { return; }
        if (cluster.SelfMember.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving or MemberStatus.Exiting) return;
        NodeLog.Warning($"no running cluster answered in {node.Timing.RejoinBeforeNewCluster.TotalSeconds:F0} s; " +
                                "this coordinator may now start a new one (the trainers join it)");
        cluster.JoinSeedNodes(node.JoinOrder(self, mayFormNow: true).Select(Akka.Actor.Address.Parse));
    }

    /// <summary>Exit code of a node whose actor system ended without being asked (downed: it rejoins as a new member).</summary>
    public const int RemovedFromClusterExitCode = ExitCodes.RejoinRequested;

    /// <summary>Runs a node until its lifetime reports an exit code, or a signal asks it to stop.</summary>
    /// <param name="signalExitCode">the code for the signal received (130 SIGINT, 143 SIGTERM), read once it came.</param>
    public static async Task<int> RunAsync(IHost host, NodeOptions node, NodeLifetime lifetime, CancellationToken signal, Action onSignal,
        Func<int> signalExitCode)
    {
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        using var joining = new CancellationTokenSource();
        var join = JoinAsync(system, node, joining.Token);
        if (join.IsFaulted) await join; // bad seed configuration: an input error
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = signal.Register(() => stop.TrySetResult());
        var first = await Task.WhenAny(lifetime.ExitCode, stop.Task, system.WhenTerminated);
        joining.Cancel();
        int code;
        if (first == system.WhenTerminated)
        {
            // This node was removed from the cluster (the split-brain decision downed it: it was paused or cut off,
            // or it found itself on the minority side). It cannot rejoin with the same actor system: exit, and let
            // the supervisor start a new member.
            NodeLog.Warning("this node was removed from the cluster; exiting so that it can rejoin as a new member");
            await host.StopAsync();
            return RemovedFromClusterExitCode;
        }
        if (first == stop.Task)
        {
            onSignal();
            // Give the node time to finish the current step and checkpoint before leaving the cluster.
            code = await Task.WhenAny(lifetime.ExitCode, Task.Delay(node.Timing.SignalStopGrace)) == lifetime.ExitCode ? signalExitCode() : ExitCodes.Failure;
        }
        else code = await lifetime.ExitCode;
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await host.StopAsync();
        return code;
    }
}
