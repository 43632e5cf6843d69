using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>k8s/ (kustomize, with the real kubectl) and `gancluster k8s render`, and their agreement with the chart.</summary>
public class KustomizeAndRenderTests
{
    static CliProcess.Result TryKustomize(string dir) => Tools.Kubectl("kustomize", dir);

    static string Kustomize(string dir)
    {
        var r = TryKustomize(dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    /// <summary>A copy of k8s/ with a token file in the base, as a user makes one before applying.</summary>
    static TempCopy K8sWithToken()
    {
        var copy = new TempCopy(Path.Combine(Tools.Root, "k8s"));
        File.WriteAllText(Path.Combine(copy.Dir, "base", "token.env"), $"token={Guid.NewGuid():N}{Guid.NewGuid():N}\n");
        return copy;
    }

    static CliProcess.Result Render(string dir, params string[] args) =>
        CliProcess.Run(Tools.Root, ["k8s", "render", "--config", "examples/mnist-dcgan.yaml", "--out", dir, .. args]);

    [Fact]
    public void Base_renders_and_passes_the_policies()
    {
        using var k8s = K8sWithToken();
        var all = Manifests.Parse(Kustomize(Path.Combine(k8s.Dir, "base")));
        Policy.Check(all, "gancluster", trainerPods: 4, gpusPerPod: 1);
        Policy.CheckMonitoring(all, "gancluster");
        Assert.Single(all, m => m.Kind == "Secret" && m.Name == "gancluster-token");
    }

    [Fact]
    public void Base_without_a_token_file_is_refused_by_kustomize()
    {
        using var k8s = new TempCopy(Path.Combine(Tools.Root, "k8s"));
        File.Delete(Path.Combine(k8s.Dir, "base", "token.env")); // a developer's `make k8s-base` leaves one; a clone has none
        var r = TryKustomize(Path.Combine(k8s.Dir, "base"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("token.env", r.Stderr);
        Assert.Contains("openssl rand", File.ReadAllText(Path.Combine(k8s.Dir, "base", "kustomization.yaml"))); // how to make one
    }

    [Fact]
    public void Cpu_smoke_overlay_renders_two_cpu_trainers()
    {
        using var k8s = K8sWithToken();
        var all = Manifests.Parse(Kustomize(Path.Combine(k8s.Dir, "overlays/cpu-smoke")));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 0);
        var coordinator = all.One<V1Job>("gancluster-coordinator").Spec.Template.Spec.Containers[0];
        Assert.Equal("2", coordinator.Args[coordinator.Args.IndexOf("--workers") + 1]);
        Assert.EndsWith(":0.1.0-cpu", all.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, PodSpecs.Load(all)["gancluster-coordinator"].Cluster.Workers);
    }

    [Fact]
    public void Base_is_what_gancluster_k8s_render_writes_for_the_example_with_a_fresh_random_token()
    {
        using var dir = new TempCopy(null);
        var r = Render(dir.Dir, "--workers", "4", "--image", "gancluster:0.1.0-cuda");
        Assert.True(r.ExitCode == 0, r.ToString());
        var committed = Path.Combine(Tools.Root, "k8s/base");
        static IEnumerable<string?> Files(string d) =>
            Directory.GetFiles(d).Select(Path.GetFileName).Where(f => f != "token.env").Order();
        Assert.Equal(Files(committed), Files(dir.Dir));
        foreach (var file in Files(dir.Dir))
            Assert.True(File.ReadAllText(Path.Combine(dir.Dir, file!)) == File.ReadAllText(Path.Combine(committed, file!)),
                $"k8s/base/{file} is stale: run make k8s-base");
        // The token: random, owner-only, never the same twice, and ignored by git.
        string tokenFile = Path.Combine(dir.Dir, "token.env");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        using var again = new TempCopy(null);
        Assert.Equal(0, Render(again.Dir, "--workers", "4").ExitCode);
        string first = File.ReadAllText(tokenFile), second = File.ReadAllText(Path.Combine(again.Dir, "token.env"));
        Assert.Matches("^token=[0-9a-f]{64}\n$", first);
        Assert.NotEqual(first, second);
        var ignored = Tools.Run("git", ["check-ignore", "-q", "k8s/base/token.env"]);
        Assert.True(ignored.ExitCode == 0, "k8s/base/token.env must be ignored by git");
    }

    [Fact]
    public void An_existing_token_secret_replaces_the_generated_one()
    {
        using var dir = new TempCopy(null);
        Assert.Equal(0, Render(dir.Dir, "--workers", "2", "--token-secret", "my-token").ExitCode);
        Assert.False(File.Exists(Path.Combine(dir.Dir, "token.env")));
        var all = Manifests.Parse(Kustomize(dir.Dir));
        Assert.DoesNotContain(all, m => m.Kind == "Secret");
        Assert.Equal("my-token", all.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "GANCLUSTER_RUN_TOKEN").ValueFrom.SecretKeyRef.Name);
    }

    public static TheoryData<string> Examples() => [.. PodSpecs.Examples()];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_rendered_is_one_the_spec_loader_accepts_in_every_pod(string example)
    {
        using var dir = new TempCopy(null);
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", example, "--workers", "2", "--out", dir.Dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var specs = PodSpecs.Load(Manifests.Parse(Kustomize(dir.Dir)));
        Assert.Equal(2, specs["gancluster-coordinator"].Cluster.Workers);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(16, 8)]
    [InlineData(3, 0)]
    [InlineData(4, 1, true)]
    [InlineData(2, 2, false, true)]
    public void Render_and_helm_template_give_the_same_objects(int workers, int gpus, bool tls = false, bool extras = false)
    {
        using var dir = new TempCopy(null);
        string[] renderExtra = [.. tls ? ["--tls-secret", "gc-tls"] : Array.Empty<string>(),
            .. extras ? ["--resume", "--coordinator-image", "reg/coord:v1", "--token-secret", "tok", "--metrics-namespace", "obs", "--set", "cluster.max_restarts=6"] : Array.Empty<string>()];
        string[] helmExtra = [.. tls ? ["--set", "tls.secretName=gc-tls"] : Array.Empty<string>(),
            .. extras ? ["--set", "resume=true", "--set", "coordinator.image.repository=reg/coord", "--set", "coordinator.image.tag=v1",
                "--set", "runToken.existingSecret=tok", "--set", "networkPolicy.metrics.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=obs"] : Array.Empty<string>()];
        var r = Render(dir.Dir, ["--workers", workers.ToString(), "--gpus-per-trainer-pod", gpus.ToString(), "--image", "gancluster:0.1.0-cuda", .. renderExtra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var rendered = Manifests.Parse(Kustomize(dir.Dir));
        // The chart gets the very spec render wrote (all defaults filled in), so that both pods load the same spec.
        string spec = Path.Combine(dir.Dir, "spec-for-helm.yaml");
        File.WriteAllText(spec, rendered.One<V1ConfigMap>("gancluster-spec").Data["run.yaml"]);
        var helm = Manifests.Parse(Tools.HelmTemplate(["--set", $"workers={workers}", "--set", $"gpusPerTrainerPod={gpus}", "--set-file", $"runSpec={spec}", .. helmExtra]));
        int pods = gpus == 0 ? workers : workers / gpus;
        Policy.Check(rendered, "gancluster", pods, gpus);
        Policy.Check(helm, "gancluster", pods, gpus);
        Assert.Equal(helm.Select(m => (m.Kind, m.Name)).Order(), rendered.Select(m => (m.Kind, m.Name)).Order());
        foreach (var svc in helm.All<V1Service>())
            Assert.Equal(svc.Spec.Ports.Select(p => (p.Name, p.Port)), rendered.One<V1Service>(svc.Metadata.Name).Spec.Ports.Select(p => (p.Name, p.Port)));
        foreach (var job in helm.All<V1Job>())
        {
            var other = rendered.One<V1Job>(job.Metadata.Name);
            Assert.Equal(Yaml(job.Spec, s => s.Template = null!), Yaml(other.Spec, s => s.Template = null!)); // completions, failure, success policies, budgets
            var (podA, podB) = (job.Spec.Template.Spec, other.Spec.Template.Spec);
            Assert.Equal((podA.RestartPolicy, podA.Subdomain, podA.TerminationGracePeriodSeconds), (podB.RestartPolicy, podB.Subdomain, podB.TerminationGracePeriodSeconds));
            var (a, b) = (podA.Containers[0], podB.Containers[0]);
            Assert.Equal(a.Image, b.Image);
            Assert.Equal(a.Args, b.Args);
            Assert.Equal(a.Env.Select(e => (e.Name, e.Value, e.ValueFrom?.SecretKeyRef?.Name, e.ValueFrom?.FieldRef?.FieldPath)),
                b.Env.Select(e => (e.Name, e.Value, e.ValueFrom?.SecretKeyRef?.Name, e.ValueFrom?.FieldRef?.FieldPath)));
            Assert.Equal(a.VolumeMounts.Select(m => (m.Name, m.MountPath)), b.VolumeMounts.Select(m => (m.Name, m.MountPath)));
            Assert.Equal(podA.Volumes.Select(v => (v.Name, v.EmptyDir?.SizeLimit?.ToString())), podB.Volumes.Select(v => (v.Name, v.EmptyDir?.SizeLimit?.ToString())));
            Assert.Equal(tls, a.Args.Contains("--tls-certificate"));
            Assert.Equal(a.Ports.Select(p => (p.Name, p.ContainerPort)), b.Ports.Select(p => (p.Name, p.ContainerPort)));
            Assert.Equal(Yaml(a.Resources), Yaml(b.Resources));
        }
        Assert.Equal(Yaml(helm.One<V1NetworkPolicy>("gancluster").Spec), Yaml(rendered.One<V1NetworkPolicy>("gancluster").Spec));
        Assert.Equal(Yaml(helm.One<V1PodDisruptionBudget>("gancluster-trainer").Spec), Yaml(rendered.One<V1PodDisruptionBudget>("gancluster-trainer").Spec));
        Assert.Equal(PodSpecs.Load(helm).Select(kv => (kv.Key, Core.Spec.SpecEmitter.ToYaml(kv.Value))).Order(),
            PodSpecs.Load(rendered).Select(kv => (kv.Key, Core.Spec.SpecEmitter.ToYaml(kv.Value))).Order());
    }

    /// <summary>An object as canonical JSON (map keys sorted: kustomize sorts them, helm does not), after an optional
    /// change to a copy (to leave out what another assertion compares).</summary>
    static string Yaml<T>(T obj, Action<T>? without = null)
    {
        var copy = k8s.KubernetesJson.Deserialize<T>(k8s.KubernetesJson.Serialize(obj));
        without?.Invoke(copy);
        return Sorted(System.Text.Json.Nodes.JsonNode.Parse(k8s.KubernetesJson.Serialize(copy)))?.ToJsonString() ?? "null";
    }

    static System.Text.Json.Nodes.JsonNode? Sorted(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    [Theory]
    [InlineData("--workers", "3", "--gpus-per-trainer-pod", "2", "--workers: expected a multiple of --gpus-per-trainer-pod (2), found 3")]
    [InlineData("--workers", "2", "--name", "Big_Run", "--name: expected a DNS label")]
    [InlineData("--workers", "2", "--gpus-per-trainer-pod", "20", "--gpus-per-trainer-pod: expected 0 (CPU) to 16")]
    [InlineData("--workers", "2", "--token-secret", "My Token", "--token-secret: expected a Kubernetes name")]
    public void Render_refuses_bad_input_with_one_line_per_problem_and_exit_2(string a, string b, string c, string d, string expected)
    {
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", "examples/mnist-dcgan.yaml", a, b, c, d, "--out", Path.Combine(Path.GetTempPath(), "never-written"));
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Render_refuses_the_old_gpus_per_node_option_by_name()
    {
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", "examples/mnist-dcgan.yaml", "--gpus-per-node", "2", "--out", Path.Combine(Path.GetTempPath(), "never-written"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--gpus-per-node", r.Stderr.Split('\n')[0]);
    }
}
