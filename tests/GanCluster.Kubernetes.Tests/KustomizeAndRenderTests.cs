using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>k8s/ (kustomize, with the real kubectl) and `gancluster k8s render`, and their agreement with the chart.</summary>
public class KustomizeAndRenderTests
{
    static string Kustomize(string dir)
    {
        var r = Tools.Kubectl("kustomize", Path.Combine(Tools.Root, dir));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    [Fact]
    public void Base_renders_and_passes_the_policies()
    {
        var all = Manifests.Parse(Kustomize("k8s/base"));
        Policy.Check(all, "gancluster", trainerPods: 4, gpusPerPod: 1);
        Policy.CheckMonitoring(all, "gancluster");
    }

    [Fact]
    public void Cpu_smoke_overlay_renders_two_cpu_trainers()
    {
        var all = Manifests.Parse(Kustomize("k8s/overlays/cpu-smoke"));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 0);
        var coordinator = all.One<V1StatefulSet>("gancluster-coordinator").Spec.Template.Spec.Containers[0];
        Assert.Equal("2", coordinator.Args[coordinator.Args.IndexOf("--workers") + 1]);
        Assert.EndsWith(":0.1.0-cpu", all.One<V1StatefulSet>("gancluster-trainer").Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void Base_is_what_gancluster_k8s_render_writes_for_the_example()
    {
        var dir = Directory.CreateTempSubdirectory("k8s-render-").FullName;
        try
        {
            var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", "examples/mnist-dcgan.yaml", "--workers", "4",
                "--image", "gancluster:0.1.0-cuda", "--out", dir);
            Assert.True(r.ExitCode == 0, r.ToString());
            var committed = Path.Combine(Tools.Root, "k8s/base");
            Assert.Equal(Directory.GetFiles(committed).Select(Path.GetFileName).Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            foreach (var file in Directory.GetFiles(dir))
                Assert.True(File.ReadAllText(file) == File.ReadAllText(Path.Combine(committed, Path.GetFileName(file))),
                    $"k8s/base/{Path.GetFileName(file)} is stale: run make k8s-base");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(16, 8)]
    [InlineData(3, 0)]
    [InlineData(4, 1, true)]
    public void Render_and_helm_template_give_the_same_objects(int workers, int gpus, bool tls = false)
    {
        var dir = Directory.CreateTempSubdirectory("k8s-render-").FullName;
        try
        {
            string[] renderTls = tls ? ["--tls-secret", "gc-tls"] : [], helmTls = tls ? ["--set", "tls.secretName=gc-tls"] : [];
            var r = CliProcess.Run(Tools.Root, ["k8s", "render", "--config", "examples/mnist-dcgan.yaml", "--workers", workers.ToString(),
                "--gpus-per-node", gpus.ToString(), "--out", dir, .. renderTls]);
            Assert.True(r.ExitCode == 0, r.ToString());
            var rendered = Manifests.Parse(Kustomize(dir));
            var helm = Manifests.Parse(Tools.HelmTemplate(["--set", $"workers={workers}", "--set", $"gpusPerNode={gpus}", .. helmTls]));
            int pods = gpus == 0 ? workers : workers / gpus;
            Policy.Check(rendered, "gancluster", pods, gpus);
            Policy.Check(helm, "gancluster", pods, gpus);
            Assert.Equal(helm.Select(m => (m.Kind, m.Name)).Order(), rendered.Select(m => (m.Kind, m.Name)).Order());
            foreach (var svc in helm.All<V1Service>())
                Assert.Equal(svc.Spec.Ports.Select(p => (p.Name, p.Port)), rendered.One<V1Service>(svc.Metadata.Name).Spec.Ports.Select(p => (p.Name, p.Port)));
            foreach (var set in helm.All<V1StatefulSet>())
            {
                var other = rendered.One<V1StatefulSet>(set.Metadata.Name);
                Assert.Equal(set.Spec.Replicas, other.Spec.Replicas);
                var (a, b) = (set.Spec.Template.Spec.Containers[0], other.Spec.Template.Spec.Containers[0]);
                Assert.Equal(a.Args, b.Args);
                Assert.Equal(a.Env.Select(e => (e.Name, e.Value, e.ValueFrom?.SecretKeyRef?.Name)), b.Env.Select(e => (e.Name, e.Value, e.ValueFrom?.SecretKeyRef?.Name)));
                Assert.Equal(a.VolumeMounts.Select(m => (m.Name, m.MountPath)), b.VolumeMounts.Select(m => (m.Name, m.MountPath)));
                Assert.Equal(tls, a.Args.Contains("--tls-certificate"));
                Assert.Equal(a.Ports.Select(p => (p.Name, p.ContainerPort)), b.Ports.Select(p => (p.Name, p.ContainerPort)));
                Assert.Equal(a.Resources.Limits.Keys.Order(), b.Resources.Limits.Keys.Order());
                Assert.Equal(set.Spec.Template.Spec.TerminationGracePeriodSeconds, other.Spec.Template.Spec.TerminationGracePeriodSeconds);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("--workers", "3", "--gpus-per-node", "2", "--workers: expected a multiple of --gpus-per-node (2), found 3")]
    [InlineData("--workers", "2", "--name", "Big_Run", "--name: expected a DNS label")]
    [InlineData("--workers", "2", "--gpus-per-node", "20", "--gpus-per-node: expected 0 (CPU) to 16")]
    public void Render_refuses_bad_input_with_one_line_per_problem_and_exit_2(string a, string b, string c, string d, string expected)
    {
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", "examples/mnist-dcgan.yaml", a, b, c, d, "--out", Path.Combine(Path.GetTempPath(), "never-written"));
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
