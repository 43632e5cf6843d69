namespace GanCluster.Kubernetes.Tests;

/// <summary>helm/gancluster with the real helm v4: lint, render, schema, policies.</summary>
public class ChartTests
{
    [Theory]
    [InlineData("")]
    [InlineData("ci/gpu-values.yaml")]
    [InlineData("ci/cpu-values.yaml")]
    public void Chart_lints_strict(string values)
    {
        var r = values == "" ? Tools.Helm("lint", "--strict", Tools.Chart) : Tools.Helm("lint", "--strict", Tools.Chart, "-f", Path.Combine(Tools.Chart, values));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("0 chart(s) failed", r.Stdout);
    }

    [Fact]
    public void Default_values_render_a_gpu_run_that_passes_the_policies()
    {
        var all = Manifests.Parse(Tools.HelmTemplate());
        Policy.Check(all, "gancluster", trainerPods: 4, gpusPerPod: 1);
        Policy.CheckMonitoring(all, "gancluster");
        Assert.Contains(all, m => m.Kind == "Secret" && m.Name == "gancluster-token");
        Assert.DoesNotContain(all, m => m.Name == "gancluster-journal"); // SQLite journal unless PostgreSQL is configured
    }

    [Fact]
    public void Multi_gpu_values_render_eight_gpus_per_pod_and_the_postgres_journal()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Chart, "ci/gpu-values.yaml")));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 8);
        var coordinator = all.One<k8s.Models.V1StatefulSet>("gancluster-coordinator").Spec.Template.Spec.Containers[0];
        var journal = coordinator.Env.Single(e => e.Name == "GANCLUSTER_JOURNAL_POSTGRES");
        Assert.Equal("gancluster-journal", journal.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("16", coordinator.Args[coordinator.Args.IndexOf("--workers") + 1]);
    }

    [Fact]
    public void A_tls_secret_gives_every_pod_the_certificate_its_password_and_the_tls_arguments()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("--set", "tls.secretName=gc-tls"));
        Policy.Check(all, "gancluster", trainerPods: 4, gpusPerPod: 1);
        foreach (var name in new[] { "gancluster-coordinator", "gancluster-trainer" })
        {
            var pod = all.One<k8s.Models.V1StatefulSet>(name).Spec.Template.Spec;
            var container = pod.Containers[0];
            string certificate = container.Args[container.Args.IndexOf("--tls-certificate") + 1];
            var mount = container.VolumeMounts.Single(m => m.Name == "tls");
            Assert.StartsWith(mount.MountPath + "/", certificate);
            Assert.True(mount.ReadOnlyProperty);
            Assert.Equal("gc-tls", pod.Volumes.Single(v => v.Name == "tls").Secret.SecretName);
            string variable = container.Args[container.Args.IndexOf("--tls-password-env") + 1];
            var password = container.Env.Single(e => e.Name == variable).ValueFrom.SecretKeyRef;
            Assert.Equal(("gc-tls", "password", true), (password.Name, password.Key, password.Optional ?? false));
        }
        // Off by default: no certificate, no TLS arguments.
        var plain = Manifests.Parse(Tools.HelmTemplate());
        Assert.DoesNotContain("--tls-certificate", plain.One<k8s.Models.V1StatefulSet>("gancluster-trainer").Spec.Template.Spec.Containers[0].Args);
    }

    [Fact]
    public void Cpu_values_render_cpu_trainers_without_monitoring_objects()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Chart, "ci/cpu-values.yaml")));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 0);
        Assert.DoesNotContain(all, m => m.Kind is "ServiceMonitor" or "PrometheusRule");
        Assert.EndsWith("-cpu", all.One<k8s.Models.V1StatefulSet>("gancluster-trainer").Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void A_release_name_without_gancluster_prefixes_every_object()
    {
        var all = Manifests.Parse(Tools.Helm("template", "big", Tools.Chart).Stdout);
        Policy.Check(all, "big-gancluster", trainerPods: 4, gpusPerPod: 1);
    }

    [Theory]
    [InlineData("workers=-1", "/workers")]
    [InlineData("gpusPerNode=-2", "/gpusPerNode")]
    [InlineData("ports.metrics=70000", "/ports/metrics")]
    [InlineData("workerz=3", "workerz")]
    [InlineData("trainer.replicas=3", "replicas")]
    [InlineData("image.flavor=rocm", "/image/flavor")]
    public void Schema_rejects_bad_values(string set, string mentioned)
    {
        var r = Tools.Helm("template", "gancluster", Tools.Chart, "--set", set);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(mentioned, r.Stderr);
    }

    [Fact]
    public void Workers_not_divisible_by_gpus_per_node_fail_with_a_message()
    {
        var r = Tools.Helm("template", "gancluster", Tools.Chart, "--set", "workers=6", "--set", "gpusPerNode=4");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("multiple of gpusPerNode", r.Stderr);
    }

    [Fact]
    public void Postgres_journal_without_a_connection_fails_with_a_message()
    {
        var r = Tools.Helm("template", "gancluster", Tools.Chart, "--set", "journal.postgres.enabled=true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("journal.postgres.connectionString", r.Stderr);
    }

    [Fact]
    public void Chart_monitoring_files_are_copies_of_deploy_monitoring()
    {
        foreach (var (sub, pattern) in new[] { ("rules", "*.yaml"), ("dashboards", "*.json") })
        {
            var source = Path.Combine(Tools.Root, "deploy/monitoring", sub);
            var copy = Path.Combine(Tools.Chart, "files/monitoring", sub);
            var names = Directory.GetFiles(source, pattern).Select(Path.GetFileName).Order().ToList();
            Assert.NotEmpty(names);
            Assert.Equal(names, Directory.GetFiles(copy, pattern).Select(Path.GetFileName).Order());
            foreach (var name in names)
                Assert.True(File.ReadAllBytes(Path.Combine(source, name!)).SequenceEqual(File.ReadAllBytes(Path.Combine(copy, name!))),
                    $"helm/gancluster/files/monitoring/{sub}/{name} differs from deploy/monitoring: run make sync-monitoring");
        }
    }
}
