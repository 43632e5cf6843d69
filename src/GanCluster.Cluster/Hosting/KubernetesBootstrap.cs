using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Wires Akka.Management (HTTP on the management port, with the bootstrap and probe routes), cluster bootstrap
/// and Kubernetes API discovery into a node that has no seed nodes. Called by <see cref="ClusterNodeHost"/>
/// when <see cref="NodeOptions.Discovery"/> is <see cref="DiscoveryMode.Kubernetes"/>.
/// </summary>
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
            .WithRouteProvider<HealthRouteProvider>("gancluster-health"))
            .WithClusterBootstrap(options =>
            {
                options.ContactPointDiscovery.ServiceName = k8s.ServiceName;
                options.ContactPointDiscovery.PortName = KubernetesBootstrapOptions.ManagementPortName;
                options.ContactPointDiscovery.RequiredContactPointsNr = k8s.RequiredContactPoints;
                options.ContactPointDiscovery.ContactWithAllContactPoints = true;
                options.ContactPointDiscovery.StableMargin = TimeSpan.FromSeconds(5);
            }, autoStart: true)
            .WithKubernetesDiscovery(options =>
            {
                options.PodLabelSelector = k8s.PodLabelSelector;
                if (k8s.PodNamespace is { } ns) options.PodNamespace = ns;
            });
    }
}
