using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>helm/gancluster with the real helm v4: lint, render, schema, policies.</summary>
public class ChartTests
{
    [Theory]
    [InlineData("")]
    [InlineData("ci/gpu-values.yaml")]
    [InlineData("ci/cpu-values.yaml")]
    [InlineData("ci/s3-values.yaml")]
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
    public void The_default_run_spec_is_one_the_spec_loader_accepts_in_every_pod()
    {
        var specs = PodSpecs.Load(Manifests.Parse(Tools.HelmTemplate()));
        Assert.Equal(4, specs["gancluster-coordinator"].Cluster.Workers);
        Assert.All(specs.Values, s => Assert.True(s.Steps > 0));
    }

    public static TheoryData<string> Examples() => [.. PodSpecs.Examples()];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_mounted_with_set_file_is_one_the_spec_loader_accepts_in_every_pod(string example)
    {
        var all = Manifests.Parse(Tools.HelmTemplate("--set-file", $"runSpec={Path.Combine(Tools.Root, example)}"));
        var specs = PodSpecs.Load(all);
        var expected = Core.Spec.RunSpecLoader.LoadFile(Path.Combine(Tools.Root, example));
        Assert.All(specs.Values, s => Assert.Equal(expected.Model.Arch, s.Model.Arch));
    }

    [Fact]
    public void A_run_spec_the_loader_refuses_is_caught_by_the_test_helper_as_the_pod_would_exit_2()
    {
        // The chart's old default: `name` and `data.source` are not spec keys; every pod would have exited 2.
        var all = Manifests.Parse(Tools.HelmTemplate("--set-string", "runSpec=name: mnist-dcgan\nsteps: 2000\ndata:\n  source: mnist\n"));
        var e = Assert.Throws<Core.Spec.SpecException>(() => PodSpecs.Load(all));
        Assert.Contains(e.Problems, p => p.Path == "name");
    }

    [Fact]
    public void Multi_gpu_values_render_eight_gpus_per_pod_and_the_postgres_journal()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Chart, "ci/gpu-values.yaml")));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 8);
        var coordinator = all.One<V1Job>("gancluster-coordinator").Spec.Template.Spec.Containers[0];
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
            var pod = all.One<V1Job>(name).Spec.Template.Spec;
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
        Assert.DoesNotContain("--tls-certificate", plain.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Args);
    }

    [Fact]
    public void Cpu_values_render_cpu_trainers_without_monitoring_objects()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Chart, "ci/cpu-values.yaml")));
        Policy.Check(all, "gancluster", trainerPods: 2, gpusPerPod: 0);
        Assert.DoesNotContain(all, m => m.Kind is "ServiceMonitor" or "PrometheusRule");
        Assert.EndsWith("-cpu", all.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void A_release_name_without_gancluster_prefixes_every_object()
    {
        var all = Manifests.Parse(Tools.Helm("template", "big", Tools.Chart).Stdout);
        Policy.Check(all, "big-gancluster", trainerPods: 4, gpusPerPod: 1);
    }

    [Fact]
    public void The_pod_retry_budget_is_the_specs_max_restarts_unless_set_per_role()
    {
        var fromSpec = Manifests.Parse(Tools.HelmTemplate("--set-string", "runSpec=steps: 10\ncluster: { max_restarts: 5 }\n"));
        Assert.Equal(5, fromSpec.One<V1Job>("gancluster-trainer").Spec.BackoffLimitPerIndex);
        Assert.Equal(5, fromSpec.One<V1Job>("gancluster-coordinator").Spec.BackoffLimit);
        var defaults = Manifests.Parse(Tools.HelmTemplate());
        Assert.Equal(new Core.Spec.ClusterSpec().MaxRestarts, defaults.One<V1Job>("gancluster-trainer").Spec.BackoffLimitPerIndex);
        var set = Manifests.Parse(Tools.HelmTemplate("--set", "trainer.backoffLimitPerIndex=0", "--set", "coordinator.backoffLimit=9"));
        Assert.Equal(0, set.One<V1Job>("gancluster-trainer").Spec.BackoffLimitPerIndex);
        Assert.Equal(9, set.One<V1Job>("gancluster-coordinator").Spec.BackoffLimit);
    }

    [Fact]
    public void S3_checkpoints_need_no_claim_and_reach_every_pods_spec_and_environment()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Chart, "ci/s3-values.yaml")));
        Assert.DoesNotContain(all, m => m.Kind == "PersistentVolumeClaim");
        // Every pod loads checkpoint.uri through the real spec loader, from its own arguments.
        Assert.All(PodSpecs.Load(all).Values, spec => Assert.Equal("s3://gans/mnist-dcgan", spec.Checkpoint.Uri));
        foreach (var job in all.All<V1Job>())
        {
            var pod = job.Spec.Template.Spec;
            Assert.NotNull(pod.Volumes.Single(v => v.Name == "checkpoints").EmptyDir);
            Assert.DoesNotContain(pod.Volumes, v => v.PersistentVolumeClaim != null);
            var env = pod.Containers.Single().Env.ToDictionary(e => e.Name);
            Assert.Equal("http://minio.storage.svc:9000", env["AWS_ENDPOINT_URL"].Value);
            Assert.Equal("us-east-1", env["AWS_REGION"].Value);
            foreach (var key in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" })
            {
                Assert.Equal("gans-s3", env[key].ValueFrom.SecretKeyRef.Name);
                Assert.Equal(key, env[key].ValueFrom.SecretKeyRef.Key);
                Assert.NotEqual(true, env[key].ValueFrom.SecretKeyRef.Optional);
            }
        }
        // Without S3 values nothing of it is rendered.
        var plain = Manifests.Parse(Tools.HelmTemplate());
        Assert.Contains(plain, m => m.Kind == "PersistentVolumeClaim");
        Assert.All(plain.All<V1Job>(), job => Assert.DoesNotContain(job.Spec.Template.Spec.Containers.Single().Env, e => e.Name.StartsWith("AWS_", StringComparison.Ordinal)));
    }

    [Fact]
    public void Resume_passes_resume_to_the_coordinator_only()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("--set", "resume=true"));
        Assert.Contains("--resume", all.One<V1Job>("gancluster-coordinator").Spec.Template.Spec.Containers[0].Args);
        Assert.DoesNotContain("--resume", all.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Args);
        Assert.DoesNotContain("--resume", Manifests.Parse(Tools.HelmTemplate()).One<V1Job>("gancluster-coordinator").Spec.Template.Spec.Containers[0].Args);
    }

    [Fact]
    public void No_fixed_token_a_fresh_random_one_per_install_or_the_users_secret()
    {
        string Token(List<Manifest> all)
        {
            var secret = all.One<V1Secret>("gancluster-token");
            Policy.CheckToken(secret);
            return System.Text.Encoding.UTF8.GetString(secret.Data["token"]);
        }
        Assert.NotEqual(Token(Manifests.Parse(Tools.HelmTemplate())), Token(Manifests.Parse(Tools.HelmTemplate())));
        var existing = Manifests.Parse(Tools.HelmTemplate("--set", "runToken.existingSecret=my-token"));
        Assert.DoesNotContain(existing, m => m.Kind == "Secret");
        Assert.Equal("my-token", existing.One<V1Job>("gancluster-trainer").Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "GANCLUSTER_RUN_TOKEN").ValueFrom.SecretKeyRef.Name);
    }

    [Fact]
    public void The_values_cluster_users_expect_reach_the_pods()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("-f", Path.Combine(Tools.Root, "tests/GanCluster.Kubernetes.Tests/cluster-user-values.yaml")));
        Policy.Check(all, "gancluster", trainerPods: 4, gpusPerPod: 1);
        var sa = all.One<V1ServiceAccount>("gancluster");
        Assert.Equal("arn:aws:iam::123456789012:role/gan-bucket", sa.Metadata.Annotations["eks.amazonaws.com/role-arn"]);
        foreach (var job in all.All<V1Job>())
        {
            bool trainer = job.Metadata.Name.EndsWith("-trainer", StringComparison.Ordinal);
            Assert.Equal("gan-queue", job.Metadata.Labels["kueue.x-k8s.io/queue-name"]);
            Assert.Equal(3600, job.Spec.TtlSecondsAfterFinished);
            var template = job.Spec.Template;
            Assert.Equal("team-a", template.Metadata.Labels["team"]);
            Assert.Equal("false", template.Metadata.Annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"]);
            var pod = template.Spec;
            Assert.Equal("training-high", pod.PriorityClassName);
            Assert.Equal("volcano", pod.SchedulerName);
            Assert.Equal(20000, pod.SecurityContext.FsGroup);
            Assert.True(pod.SecurityContext.RunAsNonRoot); // an override is merged, not a replacement
            var c = pod.Containers.Single();
            Assert.Equal("s3.example.com", c.Env.Single(e => e.Name == "AWS_ENDPOINT_URL").Value);
            Assert.Contains(c.VolumeMounts, m => m.Name == "datasets" && m.MountPath == "/data");
            Assert.Contains(pod.Volumes, v => v.Name == "datasets" && v.PersistentVolumeClaim?.ClaimName == "imagenet");
            Assert.Equal(["NET_BIND_SERVICE"], c.SecurityContext.Capabilities.Add);
            Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
            Assert.Equal(trainer ? "nvidia.com/gpu" : "dedicated", Assert.Single(pod.Tolerations).Key);
            Assert.Equal(trainer ? "gpu-pool" : "cpu-pool",
                pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values[0]);
            Assert.Equal(trainer ? "registry.example.com/gancluster:0.2.0-cuda" : "registry.example.com/gancluster-coordinator:0.2.0", c.Image);
        }
    }

    [Fact]
    public void Network_policy_follows_its_values()
    {
        var all = Manifests.Parse(Tools.HelmTemplate("--set", "networkPolicy.metrics.namespaceSelector.matchLabels.team=observability",
            "--set", "networkPolicy.metrics.podSelector.matchLabels.app=prometheus"));
        var metrics = all.One<V1NetworkPolicy>("gancluster").Spec.Ingress.Single(r => r.Ports.Any(p => p.Port.Value == "9090")).FromProperty.Single();
        Assert.Equal("observability", metrics.NamespaceSelector.MatchLabels["team"]);
        Assert.Equal("prometheus", metrics.PodSelector.MatchLabels["app"]);
        Assert.DoesNotContain(Manifests.Parse(Tools.HelmTemplate("--set", "networkPolicy.enabled=false")), m => m.Kind == "NetworkPolicy");
    }

    [Theory]
    [InlineData("workers=-1", "/workers")]
    [InlineData("gpusPerTrainerPod=-2", "/gpusPerTrainerPod")]
    [InlineData("ports.metrics=70000", "/ports/metrics")]
    [InlineData("workerz=3", "workerz")]
    [InlineData("trainer.replicas=3", "replicas")]
    [InlineData("image.flavor=rocm", "/image/flavor")]
    [InlineData("logFormat=xml", "/logFormat")]
    [InlineData("trainer.backoffLimitPerIndex=-1", "/trainer/backoffLimitPerIndex")]
    // The old name is refused with the new one in the message.
    [InlineData("gpusPerNode=8", "gpusPerNode was renamed to gpusPerTrainerPod")]
    [InlineData("checkpoints.s3.uri=/runs/x", "/checkpoints/s3/uri")]
    public void Schema_rejects_bad_values(string set, string mentioned)
    {
        var r = Tools.Helm("template", "gancluster", Tools.Chart, "--set", set);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(mentioned, r.Stderr);
    }

    [Fact]
    public void Workers_not_divisible_by_gpus_per_trainer_pod_fail_with_a_message()
    {
        var r = Tools.Helm("template", "gancluster", Tools.Chart, "--set", "workers=6", "--set", "gpusPerTrainerPod=4");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("multiple of gpusPerTrainerPod", r.Stderr);
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
