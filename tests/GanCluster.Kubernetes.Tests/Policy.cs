using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>What every rendering (helm, kustomize, `gancluster k8s render`) must satisfy for the app to run as designed.</summary>
public static class Policy
{
    public static void Check(List<Manifest> all, string fullname, int trainerPods, int gpusPerPod)
    {
        var jobs = all.All<V1Job>().ToList();
        Assert.Equal([$"{fullname}-coordinator", $"{fullname}-trainer"], jobs.Select(s => s.Metadata.Name).Order());
        Assert.DoesNotContain(all, m => m.Kind is "StatefulSet" or "Deployment"); // a run ends: no controller restarts a finished pod
        var trainer = all.One<V1Job>($"{fullname}-trainer");
        var coordinator = all.One<V1Job>($"{fullname}-coordinator");
        CheckRunToCompletion(trainer, coordinator, trainerPods);

        foreach (var job in jobs)
        {
            var pod = job.Spec.Template.Spec;
            var podLabels = job.Spec.Template.Metadata.Labels;
            Assert.True(pod.SecurityContext.RunAsNonRoot, job.Metadata.Name);
            Assert.True(pod.SecurityContext.RunAsUser > 0);
            // SIGTERM: the node waits up to 60 s for the step + rank-0 checkpoint, then leaves the cluster.
            Assert.InRange(pod.TerminationGracePeriodSeconds ?? 30, 75, 3600);
            Assert.Equal(fullname, pod.ServiceAccountName);
            Assert.Contains(pod.Volumes, v => v.Name == "tmp" && v.EmptyDir != null);
            Assert.Contains(pod.Volumes, v => v.PersistentVolumeClaim != null);
            // Shared memory is RAM: bounded, so that one pod cannot take the node's memory.
            var shm = pod.Volumes.Single(v => v.Name == "dshm").EmptyDir;
            Assert.Equal("Memory", shm.Medium);
            Assert.True(shm.SizeLimit != null && shm.SizeLimit.ToInt64() > 0, $"{job.Metadata.Name}: /dev/shm without a sizeLimit");
            // Stable names: pod k is <job>-k.<headless service>.
            var headless = all.One<V1Service>(pod.Subdomain);
            Assert.Equal(job.Metadata.Name, pod.Subdomain);
            Assert.Equal("None", headless.Spec.ClusterIP);
            Assert.All(headless.Spec.Selector, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            foreach (var c in pod.Containers)
            {
                Assert.True(c.SecurityContext.RunAsNonRoot);
                Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
                Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
                Assert.Contains("ALL", c.SecurityContext.Capabilities.Drop);
                Assert.Contains("/tmp", c.VolumeMounts.Select(m => m.MountPath));
                Assert.Contains("/dev/shm", c.VolumeMounts.Select(m => m.MountPath));
                Assert.True(c.Resources.Requests.ContainsKey("cpu") && c.Resources.Requests.ContainsKey("memory"), job.Metadata.Name);
                Assert.True(c.Resources.Limits.ContainsKey("memory"), job.Metadata.Name);
                Assert.Equal("/alive", c.LivenessProbe.HttpGet.Path);
                Assert.Equal("management", c.LivenessProbe.HttpGet.Port.Value);
                Assert.Equal("/ready", c.ReadinessProbe.HttpGet.Path);
                Assert.Equal("management", c.ReadinessProbe.HttpGet.Port.Value);
                bool isTrainer = job == trainer;
                string[] ports = isTrainer ? ["akka-remote", "management", "data-plane", "metrics"] : ["akka-remote", "management", "metrics"];
                Assert.Equal(ports, c.Ports.Select(p => p.Name));
                Assert.Equal(ports, headless.Spec.Ports.Select(p => p.Name));
                Assert.All(headless.Spec.Ports, p => Assert.Equal(p.Name, p.TargetPort.Value));
                // Cluster bootstrap from the pod's environment: no seeds; the selector finds both Jobs' pods.
                Assert.Equal("kubernetes", c.Args[c.Args.IndexOf("--discovery") + 1]);
                Assert.DoesNotContain("--seed-nodes", c.Args);
                var env = c.Env.ToDictionary(e => e.Name);
                Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
                Assert.Equal((trainerPods + 1).ToString(), env["GANCLUSTER_REQUIRED_CONTACT_POINTS"].Value);
                Assert.Equal("json", env["GANCLUSTER_LOG_FORMAT"].Value); // a cluster's log pipeline reads one JSON object per line
                foreach (var s in jobs)
                    foreach (var term in env["GANCLUSTER_POD_LABEL_SELECTOR"].Value.Split(','))
                        Assert.Equal(term.Split('=')[1], s.Spec.Template.Metadata.Labels[term.Split('=')[0]]);
                // Every node, coordinator included, seals control messages with the run token.
                var tokenRef = env["GANCLUSTER_RUN_TOKEN"].ValueFrom.SecretKeyRef;
                Assert.Equal("token", tokenRef.Key);
                if (all.SingleOrDefault(m => m.Kind == "Secret" && m.Name == tokenRef.Name)?.Typed is V1Secret secret)
                    CheckToken(secret);
                if (isTrainer)
                {
                    // The rank hint: the pod's completion index (pod k holds ranks k*gpus ...).
                    Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", env["GANCLUSTER_POD_ORDINAL"].ValueFrom.FieldRef.FieldPath);
                    string devices = c.Args[c.Args.IndexOf("--device") + 1];
                    if (gpusPerPod > 0)
                    {
                        Assert.Equal(gpusPerPod.ToString(), c.Resources.Limits["nvidia.com/gpu"].ToString());
                        Assert.Equal(gpusPerPod, devices.Split(',').Length);
                        Assert.All(devices.Split(','), d => Assert.StartsWith("cuda:", d));
                    }
                    else
                    {
                        Assert.False(c.Resources.Limits.ContainsKey("nvidia.com/gpu"));
                        Assert.Equal("cpu", devices);
                    }
                }
                else Assert.False(c.Resources.Limits.ContainsKey("nvidia.com/gpu"));
            }
        }

        var role = all.One<V1Role>($"{fullname}-pod-reader");
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "watch"], rule.Verbs.Order());
        var binding = all.One<V1RoleBinding>($"{fullname}-pod-reader");
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == fullname);
        Assert.Contains(all, m => m.Kind == "ServiceAccount" && m.Name == fullname);

        var pvc = all.One<V1PersistentVolumeClaim>($"{fullname}-checkpoints");
        Assert.Equal(["ReadWriteMany"], pvc.Spec.AccessModes);
        Assert.NotNull(all.One<V1ConfigMap>($"{fullname}-spec").Data["run.yaml"]);
        var pdb = all.One<V1PodDisruptionBudget>($"{fullname}-trainer");
        Assert.All(pdb.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, trainer.Spec.Template.Metadata.Labels[kv.Key]));
        Assert.Null(pdb.Spec.MaxUnavailable); // Job pods: an integer minAvailable is the only form Kubernetes honours
        Assert.InRange(pdb.Spec.MinAvailable.Value is { } v ? int.Parse(v) : -1, 0, trainerPods - 1);

        CheckNetworkPolicy(all, fullname, jobs, gpusPerPod);
    }

    /// <summary>
    /// One Indexed Job per role, ending when the run ends: the exit codes of the CLI map onto the failure policy
    /// (2 bad input: fail the Job; 3 removed from the cluster: count and restart; evictions: not counted), and the
    /// trainers' Job completes with the first trainer that the coordinator sent home after a complete run.
    /// </summary>
    static void CheckRunToCompletion(V1Job trainer, V1Job coordinator, int trainerPods)
    {
        Assert.Equal(("Indexed", trainerPods, trainerPods), (trainer.Spec.CompletionMode, trainer.Spec.Completions, trainer.Spec.Parallelism));
        Assert.Equal(("Indexed", 1, 1), (coordinator.Spec.CompletionMode, coordinator.Spec.Completions, coordinator.Spec.Parallelism));
        Assert.InRange(trainer.Spec.BackoffLimitPerIndex ?? -1, 0, 1000);
        Assert.InRange(coordinator.Spec.BackoffLimit ?? -1, 0, 1000);
        Assert.Equal(1, Assert.Single(trainer.Spec.SuccessPolicy.Rules).SucceededCount);
        foreach (var job in new[] { trainer, coordinator })
        {
            Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
            Assert.Equal("Ignore", ActionFor(job, condition: "DisruptionTarget"));
            Assert.Equal("FailJob", ActionFor(job, exitCode: 2));
            Assert.Equal("Count", ActionFor(job, exitCode: 3)); // removed from the cluster: a new pod rejoins, within the budget
            Assert.Equal("Count", ActionFor(job, exitCode: 137)); // OOM kill
        }
        Assert.Equal("FailIndex", ActionFor(trainer, exitCode: 1)); // its cluster.max_restarts are spent, or the run failed
        Assert.Equal("FailJob", ActionFor(coordinator, exitCode: 1)); // the run failed: a new coordinator would only find it ended
    }

    /// <summary>What the Job controller does with a failed pod: the first matching rule (the API's order), else Count.</summary>
    public static string ActionFor(V1Job job, int? exitCode = null, string? condition = null)
    {
        foreach (var r in job.Spec.PodFailurePolicy?.Rules ?? [])
        {
            if (r.OnPodConditions is { } conditions && condition != null && conditions.Any(c => c.Type == condition)) return r.Action;
            if (r.OnExitCodes is { } codes && exitCode is { } code && codes.ContainerName == "gancluster"
                && (codes.OperatorProperty == "In") == codes.Values.Contains(code)) return r.Action;
        }
        return "Count";
    }

    static void CheckNetworkPolicy(List<Manifest> all, string fullname, List<V1Job> jobs, int gpusPerPod)
    {
        var policy = all.One<V1NetworkPolicy>(fullname);
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        foreach (var job in jobs)
            Assert.All(policy.Spec.PodSelector.MatchLabels, kv => Assert.Equal(kv.Value, job.Spec.Template.Metadata.Labels[kv.Key]));
        var trainer = jobs.Single(j => j.Metadata.Name.EndsWith("-trainer", StringComparison.Ordinal)).Spec.Template.Spec.Containers[0];
        int Port(string name) => trainer.Ports.Single(p => p.Name == name).ContainerPort;
        var rules = policy.Spec.Ingress.ToList();
        Assert.All(rules, r => Assert.NotEmpty(r.FromProperty ?? [])); // no rule open to everyone
        Assert.All(rules, r => Assert.NotEmpty(r.Ports ?? []));
        // Remoting, management and the data plane: only from the run's own pods.
        var internalRule = Assert.Single(rules, r => r.Ports.Any(p => p.Port.Value == Port("akka-remote").ToString()));
        var peer = Assert.Single(internalRule.FromProperty);
        Assert.Null(peer.NamespaceSelector);
        Assert.Equal(policy.Spec.PodSelector.MatchLabels, peer.PodSelector.MatchLabels);
        Assert.Contains(internalRule.Ports, p => p.Port.Value == Port("management").ToString());
        var data = Assert.Single(internalRule.Ports, p => p.Port.Value == Port("data-plane").ToString());
        Assert.Equal(gpusPerPod > 1 ? Port("data-plane") + gpusPerPod - 1 : null, data.EndPort); // one data-plane port per GPU
        Assert.DoesNotContain(internalRule.Ports, p => p.Port.Value == Port("metrics").ToString());
        // Metrics: only from the monitoring namespace.
        var metricsRule = Assert.Single(rules, r => r.Ports.Any(p => p.Port.Value == Port("metrics").ToString()));
        Assert.Equal(["metrics"], metricsRule.Ports.Select(p => trainer.Ports.Single(c => c.ContainerPort.ToString() == p.Port.Value).Name));
        Assert.All(metricsRule.FromProperty, p => Assert.NotEmpty(p.NamespaceSelector.MatchLabels ?? new Dictionary<string, string>()));
    }

    /// <summary>A run token is never a fixed, well-known value.</summary>
    public static void CheckToken(V1Secret secret)
    {
        string token = secret.Data?.TryGetValue("token", out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes)
            : secret.StringData?["token"] ?? "";
        Assert.True(token.Length >= 32, $"{secret.Metadata.Name}: a token of {token.Length} characters");
        Assert.DoesNotContain("change", token);
    }

    public static void CheckMonitoring(List<Manifest> all, string fullname)
    {
        Assert.Contains(all, m => m.Kind == "ServiceMonitor" && m.Yaml.Contains("port: metrics"));
        var rule = Assert.Single(all, m => m.Kind == "PrometheusRule");
        Assert.Contains("alert:", rule.Yaml);
        var dashboard = all.One<V1ConfigMap>($"{fullname}-dashboard");
        Assert.Equal("1", dashboard.Metadata.Labels["grafana_dashboard"]);
        Assert.NotEmpty(dashboard.Data);
    }
}
