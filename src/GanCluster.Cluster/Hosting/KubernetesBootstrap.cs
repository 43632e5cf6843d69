using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Akka.Http.Dsl;
using Akka.Management;
using Akka.Management.Dsl;
using Akka.Management.Cluster.Bootstrap;
using Ceen.Httpd;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Wires Akka.Management (HTTP on the management port, with the bootstrap and probe routes), cluster bootstrap
/// and Kubernetes API discovery (<see cref="KubernetesPodDiscovery"/>) into a node that has no seed nodes. Called by <see cref="ClusterNodeHost"/>
/// when <see cref="NodeOptions.Discovery"/> is <see cref="DiscoveryMode.Kubernetes"/>.
/// </summary>
/// <remarks>
/// Akka.Management's own HTTP start (Akka.Http.Shim 1.5.73) is compiled against Ceen.Httpd 0.9.9, which the package
/// feed no longer serves; 0.9.10 changed <c>HttpServer.ListenAsync</c> from IPEndPoint to EndPoint, so the built-in
/// start fails with MissingMethodException and terminates the actor system. This class therefore serves the very
/// same management routes (bootstrap contact point, probes) with Ceen.Httpd 0.9.10 itself and then starts the
/// bootstrap, which is what <c>AkkaManagement.Start()</c> would have done.
/// </remarks>
public static class KubernetesBootstrap
{
    public static void Apply(AkkaConfigurationBuilder akka, NodeOptions node)
    {
        var k8s = node.Kubernetes ?? throw new InvalidOperationException("Kubernetes discovery needs NodeOptions.Kubernetes");
        akka.WithAkkaManagement(new AkkaManagementOptions
                {
                    HostName = node.PublicHost ?? node.Host,
                    Port = k8s.ManagementPort,
                    BindHostName = node.Host,
                    BindPort = k8s.ManagementPort,
                }
                .WithRouteProvider<HealthRouteProvider>("gancluster-health"), autoStart: false)
            .WithClusterBootstrap(options =>
            {
                options.ContactPointDiscovery.ServiceName = k8s.ServiceName;
                options.ContactPointDiscovery.PortName = KubernetesBootstrapOptions.ManagementPortName;
                options.ContactPointDiscovery.RequiredContactPointsNr = k8s.RequiredContactPoints;
                options.ContactPointDiscovery.ContactWithAllContactPoints = true;
                options.ContactPointDiscovery.StableMargin = TimeSpan.FromSeconds(5);
            }, autoStart: false)
            .AddHocon($$"""
                akka.discovery.method = {{KubernetesPodDiscovery.Method}}
                akka.discovery.{{KubernetesPodDiscovery.Method}} {
                  class = "{{typeof(KubernetesPodDiscovery).AssemblyQualifiedName}}"
                  pod-label-selector = "{{k8s.PodLabelSelector}}"
                  pod-namespace = "{{k8s.PodNamespace ?? ""}}"
                }
                """, HoconAddMode.Prepend)
            .AddStartup(async (system, _) => await StartAsync(system, node.Host, k8s.ManagementPort));
    }

    static async Task StartAsync(ActorSystem system, string bindHost, int port)
    {
        // Routes() also hands the bootstrap its own contact point (akka.management.http.hostname:port).
        var routes = AkkaManagement.Get(system).Routes();
        var ip = IPAddress.TryParse(bindHost, out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(bindHost)).First();
        var stop = new CancellationTokenSource();
        var server = HttpServer.ListenAsync(new IPEndPoint(ip, port), false,
            new ServerConfig { Router = new AkkaRouter(system, routes) }, stop.Token);
        if (server.IsFaulted) await server; // bind failures (port in use) surface here
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "gancluster-management-http", async () =>
        {
            await stop.CancelAsync();
            await Task.WhenAny(server, Task.Delay(TimeSpan.FromSeconds(5)));
            stop.Dispose();
            return Akka.Done.Instance;
        });
        _ = ClusterBootstrap.Get(system).Start(); // completes once bootstrapping was initiated; runs until a cluster forms
    }
}
