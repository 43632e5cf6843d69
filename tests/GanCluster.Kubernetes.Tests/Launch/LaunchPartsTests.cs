using System.Net;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Spec;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// The parts of the launch test that need no test bed: rendered pods made into processes (<see cref="RenderedPods"/>),
/// the stand-in API endpoint (<see cref="StandInKubernetesApi"/>) answering a client configured the in-cluster way,
/// and the pod sandbox (<see cref="PodSandbox"/>). Pod addresses here are data only: nothing is sent to them.
/// </summary>
public sealed class LaunchPartsTests : IDisposable
{
    const string Namespace = "gans";
    readonly TempCopy _dir = new(null);

    public static TheoryData<string> Renderers() => ["helm", "render"];

    /// <summary>A 2-trainer run (1 GPU each) rendered by helm template or by `k8s render` + kustomize.</summary>
    List<Manifest> RenderRun(string renderer)
    {
        if (renderer == "helm") return Manifests.Parse(Tools.HelmTemplate("--set", "workers=2"));
        string dir = Path.Combine(_dir.Dir, "rendered");
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", "examples/mnist-dcgan.yaml", "--workers", "2", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var k = Tools.Kubectl("kustomize", dir);
        Assert.True(k.ExitCode == 0, k.ToString());
        return Manifests.Parse(k.Stdout);
    }

    List<PodLaunch> Launches(List<Manifest> all, string apiHost = "198.18.0.1", int apiPort = 6443, string ca = "ca", string token = "token")
    {
        var launches = new List<PodLaunch>();
        int host = 10;
        foreach (var job in all.All<V1Job>().OrderBy(j => j.Metadata.Name, StringComparer.Ordinal))
            for (int i = 0; i < job.Spec.Completions; i++)
                launches.Add(RenderedPods.Launch(all, job, i, new PodSite(Namespace, $"198.18.0.{host++}", Path.Combine(_dir.Dir, "pods"),
                    Path.Combine(_dir.Dir, "claims"), apiHost, apiPort, ca, token)));
        return launches;
    }

    [Theory]
    [MemberData(nameof(Renderers))]
    public void Every_rendered_pod_becomes_a_command_line_the_cli_accepts_with_its_spec_token_identity_and_rank_hint(string renderer)
    {
        var launches = Launches(RenderRun(renderer));
        Assert.Equal(["gancluster-coordinator-0", "gancluster-trainer-0", "gancluster-trainer-1"], launches.Select(l => l.Hostname));
        var trainerTokens = new HashSet<string>();
        var runDirs = new HashSet<string>();
        foreach (var pod in launches)
        {
            Assert.StartsWith(pod.Hostname + "-", pod.Name);
            var env = pod.Environment;
            // The CLI's own parser takes the pod's command line (a renamed option would fail here).
            var parse = Cli.CliApp.BuildRoot().Parse([.. pod.Args]);
            Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
            Assert.Equal(pod.Role, pod.Args[0]);
            // The mounted spec is where --config points, and the spec loader takes it.
            string config = pod.Args[pod.Args.ToList().IndexOf("--config") + 1];
            Assert.StartsWith(pod.Root, config);
            var spec = RunSpecLoader.LoadFile(config);
            Assert.True(spec.Steps > 0);
            runDirs.Add(pod.Args[pod.Args.ToList().IndexOf("--out") + 1]);
            // The pod's identity and discovery settings, read by the product's own code.
            Assert.Equal(pod.Name, env["GANCLUSTER_NODE_NAME"]);
            Assert.Equal(Namespace, env["POD_NAMESPACE"]);
            var (bootstrap, podIp) = KubernetesBootstrapOptions.FromEnvironment(env.GetValueOrDefault);
            Assert.Equal((pod.PodIp, 3, 8558), (podIp, bootstrap.RequiredContactPoints, bootstrap.ManagementPort));
            Assert.Equal("json", env["GANCLUSTER_LOG_FORMAT"]);
            Assert.Equal(Path.Combine(pod.Root, "tmp"), env["TMPDIR"]);
            Assert.True(Directory.Exists(env["TMPDIR"]));
            if (pod.Role == "trainer")
            {
                Assert.Equal(pod.Index, PodRank.Hint(env[PodRank.OrdinalVariable], devices: 1, deviceIndex: 0));
                trainerTokens.Add(env["GANCLUSTER_RUN_TOKEN"]);
            }
            else
            {
                Assert.False(env.ContainsKey(PodRank.OrdinalVariable));
                Assert.False(env.ContainsKey("GANCLUSTER_JOURNAL_POSTGRES")); // optional, and no such Secret: not set
            }
            Assert.Equal(pod.Hostname, pod.Pod.Spec.Hostname);
            Assert.Equal(pod.Index.ToString(), pod.Pod.Metadata.Annotations[RenderedPods.CompletionIndex]);
            Assert.Equal(Namespace, File.ReadAllText(Path.Combine(pod.ServiceAccountFiles, "namespace")));
        }
        // One run directory on the shared claim; one token for all trainers, and a real secret.
        string runDir = Assert.Single(runDirs);
        Assert.StartsWith(Path.Combine(_dir.Dir, "claims"), runDir);
        Assert.True(Assert.Single(trainerTokens).Length >= 32);
    }

    [Fact]
    public void A_replacement_pod_gets_a_new_name_and_the_same_hostname_and_rank_hint()
    {
        var all = RenderRun("helm");
        var job = all.One<V1Job>("gancluster-trainer");
        var site = new PodSite(Namespace, "198.18.0.20", Path.Combine(_dir.Dir, "pods"), Path.Combine(_dir.Dir, "claims"), "198.18.0.1", 6443, "ca", "t");
        var first = RenderedPods.Launch(all, job, 1, site);
        var second = RenderedPods.Launch(all, job, 1, site with { PodIp = "198.18.0.21" });
        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal(first.Hostname, second.Hostname);
        Assert.Equal(first.Environment[PodRank.OrdinalVariable], second.Environment[PodRank.OrdinalVariable]);
        Assert.Equal("198.18.0.21", second.Environment["POD_IP"]);
    }

    [Fact]
    public async Task The_stand_in_api_lists_the_runs_pods_to_a_client_configured_as_in_cluster_and_refuses_strangers()
    {
        await using var api = await StandInKubernetesApi.StartAsync(IPAddress.Loopback);
        var all = RenderRun("helm");
        var launches = Launches(all, "127.0.0.1", api.Port, api.CaPem, api.IssueToken(Namespace));
        foreach (var l in launches) api.Set(l.Pod);
        // A pod of another run in the same namespace, and one that finished: neither is a contact point.
        api.Set(new V1Pod
        {
            ApiVersion = "v1", Kind = "Pod", Spec = launches[1].Pod.Spec,
            Metadata = new V1ObjectMeta { Name = "other-trainer-0-abcde", NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "gancluster", ["app.kubernetes.io/instance"] = "other" } },
            Status = new V1PodStatus { Phase = "Running", PodIP = "198.18.0.99" },
        });

        // What KubernetesClientConfiguration.InClusterConfig() builds from the pod's environment and ServiceAccount files.
        var pod = launches[0];
        KubernetesClientConfiguration InCluster(string token) => new()
        {
            Host = new UriBuilder("https", pod.Environment["KUBERNETES_SERVICE_HOST"], int.Parse(pod.Environment["KUBERNETES_SERVICE_PORT"])).ToString(),
            SslCaCerts = CaCertificates(Path.Combine(pod.ServiceAccountFiles, "ca.crt")),
            AccessToken = token,
        };
        string token = File.ReadAllText(Path.Combine(pod.ServiceAccountFiles, "token"));
        using var client = new k8s.Kubernetes(InCluster(token));
        var listed = await client.CoreV1.ListNamespacedPodAsync(File.ReadAllText(Path.Combine(pod.ServiceAccountFiles, "namespace")),
            labelSelector: pod.Environment["GANCLUSTER_POD_LABEL_SELECTOR"]);
        Assert.Equal(launches.Select(l => l.Name).Order(StringComparer.Ordinal), listed.Items.Select(p => p.Metadata.Name));
        // The product's discovery turns the list into the bootstrap's contact points: every pod's management port.
        var targets = KubernetesPodDiscovery.Targets(listed.Items, KubernetesBootstrapOptions.ManagementPortName);
        Assert.Equal(launches.Select(l => (l.PodIp, 8558)).Order(), targets.Select(t => (t.Host, t.Port ?? -1)).Order());
        Assert.Equal(1, api.PodLists);

        // A finished pod is listed but is no contact point (the discovery skips pods that do not run).
        launches[1].Pod.Status.Phase = "Succeeded";
        api.Set(launches[1].Pod);
        var afterOne = await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: pod.Environment["GANCLUSTER_POD_LABEL_SELECTOR"]);
        Assert.Equal(2, KubernetesPodDiscovery.Targets(afterOne.Items, "management").Count);

        // Strangers: an unknown token, and a token of another namespace.
        using var stranger = new k8s.Kubernetes(InCluster("not-a-token"));
        var e401 = await Assert.ThrowsAsync<HttpOperationException>(() => stranger.CoreV1.ListNamespacedPodAsync(Namespace));
        Assert.Equal(HttpStatusCode.Unauthorized, e401.Response.StatusCode);
        using var elsewhere = new k8s.Kubernetes(InCluster(api.IssueToken("other-namespace")));
        var e403 = await Assert.ThrowsAsync<HttpOperationException>(() => elsewhere.CoreV1.ListNamespacedPodAsync(Namespace));
        Assert.Equal(HttpStatusCode.Forbidden, e403.Response.StatusCode);
        // A client that does not trust the stand-in's CA does not get the list at all.
        using var untrusting = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = $"https://127.0.0.1:{api.Port}", AccessToken = token });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusting.CoreV1.ListNamespacedPodAsync(Namespace));
        Assert.Equal(2, api.PodLists);
    }

    static System.Security.Cryptography.X509Certificates.X509Certificate2Collection CaCertificates(string pemFile)
    {
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certificates.ImportFromPemFile(pemFile);
        return certificates;
    }

    [Fact]
    public async Task A_sandboxed_pod_sees_its_hostname_its_serviceaccount_files_and_only_its_environment()
    {
        Assert.True(PodSandbox.Unavailable() == null, PodSandbox.Unavailable());
        var pod = Launches(RenderRun("helm"))[1];
        var psi = PodSandbox.StartInfo(pod, ["/bin/sh", "-c",
            $"hostname; cat {RenderedPods.ServiceAccountDir}/namespace; echo; wc -c < {RenderedPods.ServiceAccountDir}/token; " +
            "echo \"ip=$POD_IP ordinal=$GANCLUSTER_POD_ORDINAL\"; env | grep -c -e GANCLUSTER_SANDBOX -e '^XUNIT' || true; pwd"]);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stdout = await p.StandardOutput.ReadToEndAsync(), stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(p.ExitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(pod.Hostname, lines[0]);
        Assert.Equal(Namespace, lines[1]);
        Assert.Equal("token".Length, int.Parse(lines[2].Trim()));
        Assert.Equal($"ip={pod.PodIp} ordinal=0", lines[3]);
        Assert.Equal("0", lines[4]); // nothing of the sandbox or the test process leaked in
        Assert.Equal(pod.Environment["TMPDIR"], lines[5]);
        // The host is untouched: no ServiceAccount folder outside the sandbox, and the hostname is the machine's.
        Assert.False(Directory.Exists(RenderedPods.ServiceAccountDir));
        Assert.NotEqual(pod.Hostname, Environment.MachineName);
    }

    public void Dispose() => _dir.Dispose();
}
