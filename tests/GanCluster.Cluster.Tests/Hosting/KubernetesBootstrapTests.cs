using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Spec;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GanCluster.Cluster.Tests.Hosting;

/// <summary>
/// The Kubernetes discovery path as a pod runs it (options from the pod's environment, a real actor system with
/// Akka.Management listening), without a Kubernetes API server: discovery itself cannot succeed here.
/// </summary>
public class KubernetesBootstrapTests
{
    static Func<string, string?> Env(Dictionary<string, string> vars) => name => vars.GetValueOrDefault(name);

    [Fact]
    public void Pod_environment_gives_selector_contact_points_port_and_namespace()
    {
        var (options, podIp) = KubernetesBootstrapOptions.FromEnvironment(Env(new()
        {
            ["POD_IP"] = "10.1.2.3",
            ["POD_NAMESPACE"] = "gans",
            ["GANCLUSTER_POD_LABEL_SELECTOR"] = "app.kubernetes.io/instance=big,app.kubernetes.io/name=gancluster",
            ["GANCLUSTER_REQUIRED_CONTACT_POINTS"] = "9",
            ["GANCLUSTER_MANAGEMENT_PORT"] = "8600",
        }));
        Assert.Equal("10.1.2.3", podIp);
        Assert.Equal("app.kubernetes.io/instance=big,app.kubernetes.io/name=gancluster", options.PodLabelSelector);
        Assert.Equal(9, options.RequiredContactPoints);
        Assert.Equal(8600, options.ManagementPort);
        Assert.Equal("gans", options.PodNamespace);
    }

    [Fact]
    public void Missing_or_bad_pod_environment_is_one_input_error_naming_each_variable()
    {
        var e = Assert.Throws<SpecException>(() => KubernetesBootstrapOptions.FromEnvironment(Env(new()
        {
            ["GANCLUSTER_REQUIRED_CONTACT_POINTS"] = "0",
        })));
        Assert.Equal(["POD_IP", "GANCLUSTER_POD_LABEL_SELECTOR", "GANCLUSTER_REQUIRED_CONTACT_POINTS"], e.Problems.Select(p => p.Path));
        Assert.Equal("pod environment", e.Source);
    }

    [Fact]
    public async Task Kubernetes_mode_has_no_seed_nodes_bootstraps_through_the_api_and_serves_probes()
    {
        int managementPort = FreePort();
        var (k8s, podIp) = KubernetesBootstrapOptions.FromEnvironment(Env(new()
        {
            ["POD_IP"] = "127.0.0.1",
            ["POD_NAMESPACE"] = "gans",
            ["GANCLUSTER_POD_LABEL_SELECTOR"] = "app.kubernetes.io/instance=t1",
            ["GANCLUSTER_REQUIRED_CONTACT_POINTS"] = "4",
            ["GANCLUSTER_MANAGEMENT_PORT"] = managementPort.ToString(),
        }));
        var node = new NodeOptions
        {
            Role = NodeOptions.TrainerRole, Host = "127.0.0.1", PublicHost = podIp, Port = 0,
            SeedNodes = ["akka.tcp://gancluster@127.0.0.1:1"], // ignored in Kubernetes mode
            Discovery = DiscoveryMode.Kubernetes, Kubernetes = k8s, Token = GanCluster.Collective.RunToken.New(),
        };
        using var host = ClusterNodeHost.Build(node, _ => { });
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var config = system.Settings.Config;
            Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
            Assert.Equal(managementPort, config.GetInt("akka.management.http.port"));
            Assert.Equal("127.0.0.1", config.GetString("akka.management.http.hostname"));
            Assert.Equal("akka.discovery", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
            Assert.Equal(KubernetesPodDiscovery.Method, config.GetString("akka.discovery.method"));
            Assert.Equal(typeof(KubernetesPodDiscovery), Type.GetType(config.GetString($"akka.discovery.{KubernetesPodDiscovery.Method}.class")));
            Assert.Equal(4, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
            Assert.Equal("management", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.port-name"));
            Assert.Equal("app.kubernetes.io/instance=t1", config.GetString($"akka.discovery.{KubernetesPodDiscovery.Method}.pod-label-selector"));
            Assert.Equal("gans", config.GetString($"akka.discovery.{KubernetesPodDiscovery.Method}.pod-namespace"));
            // The discovery the bootstrap loads is ours (it is instantiated from that config).
            Assert.IsType<KubernetesPodDiscovery>(Akka.Discovery.Discovery.Get(system).Default);
            Assert.Equal(["trainer"], config.GetStringList("akka.cluster.roles"));

            // The probes the chart points at: alive while the system runs; not ready, since no cluster could form here.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var alive = await GetWhenListening(http, $"http://127.0.0.1:{managementPort}{HealthRouteProvider.AlivePath}");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            var ready = await http.GetAsync($"http://127.0.0.1:{managementPort}{HealthRouteProvider.ReadyPath}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"status\"", await ready.Content.ReadAsStringAsync());
            // The bootstrap route the other pods probe is served too.
            var seeds = await http.GetAsync($"http://127.0.0.1:{managementPort}/bootstrap/seed-nodes");
            Assert.Equal(HttpStatusCode.OK, seeds.StatusCode);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Seed_node_mode_starts_no_management_endpoint()
    {
        var node = new NodeOptions { Role = NodeOptions.CoordinatorRole, Host = "127.0.0.1", Port = 0, SeedNodes = ["akka.tcp://gancluster@127.0.0.1:1"], Token = GanCluster.Collective.RunToken.New() };
        using var host = ClusterNodeHost.Build(node, _ => { });
        await host.StartAsync();
        try
        {
            var config = host.Services.GetRequiredService<ActorSystem>().Settings.Config;
            // Seeds are joined by ClusterNodeHost (so that only a coordinator may form a cluster), not by Akka's config.
            Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
            Assert.False(config.HasPath($"akka.discovery.{KubernetesPodDiscovery.Method}.pod-label-selector"));
            Assert.False(config.HasPath("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void Discovery_returns_running_pods_with_their_named_management_port()
    {
        static V1Pod Pod(string name, string? phase, string? ip, bool deleting = false, string portName = "management", int port = 8558) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "gans", DeletionTimestamp = deleting ? DateTime.UtcNow : null },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "gancluster", Ports = [new V1ContainerPort { Name = "akka-remote", ContainerPort = 4053 }, new V1ContainerPort { Name = portName, ContainerPort = port }] }] },
            Status = new V1PodStatus { Phase = phase, PodIP = ip },
        };
        var targets = KubernetesPodDiscovery.Targets(
        [
            Pod("run-coordinator-0", "Running", "10.0.0.5"),
            Pod("run-trainer-0", "Running", "10.0.0.7", port: 8600),
            Pod("run-trainer-1", "Pending", null),            // not scheduled yet
            Pod("run-trainer-2", "Running", "10.0.0.9", deleting: true), // terminating
            Pod("other", "Running", "10.0.0.11", portName: "http"),       // no management port
        ], "management");
        Assert.Equal([("10.0.0.5", 8558), ("10.0.0.7", 8600)], targets.Select(t => (t.Host, t.Port ?? -1)));
        Assert.All(targets, t => Assert.Equal(t.Host, t.Address?.ToString()));
    }

    static async Task<HttpResponseMessage> GetWhenListening(HttpClient http, string url)
    {
        // Akka.Management binds its HTTP server in the background after the actor system starts.
        for (int attempt = 0; ; attempt++)
        {
            try { return await http.GetAsync(url); }
            catch (HttpRequestException) when (attempt < 100) { await Task.Delay(100); }
        }
    }

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
