using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>What every rendering (helm, kustomize, `gancluster k8s render`) must satisfy for the app to run as designed.</summary>
public static class Policy
{
    public static void Check(List<Manifest> all, string fullname, int trainerPods, int gpusPerPod)
    {
        var sets = all.All<V1StatefulSet>().ToList();
        Assert.Equal([$"{fullname}-coordinator", $"{fullname}-trainer"], sets.Select(s => s.Metadata.Name).Order());
        var trainer = all.One<V1StatefulSet>($"{fullname}-trainer");
        var coordinator = all.One<V1StatefulSet>($"{fullname}-coordinator");
        Assert.Equal(trainerPods, trainer.Spec.Replicas);
        Assert.Equal(1, coordinator.Spec.Replicas);

        foreach (var set in sets)
        {
            var pod = set.Spec.Template.Spec;
            var podLabels = set.Spec.Template.Metadata.Labels;
            Assert.All(set.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            Assert.True(pod.SecurityContext.RunAsNonRoot, set.Metadata.Name);
            Assert.True(pod.SecurityContext.RunAsUser > 0);
            // SIGTERM: the node waits up to 60 s for the step + rank-0 checkpoint, then leaves the cluster.
            Assert.InRange(pod.TerminationGracePeriodSeconds ?? 30, 75, 3600);
            Assert.Equal(fullname, pod.ServiceAccountName);
            Assert.Contains(pod.Volumes, v => v.Name == "tmp" && v.EmptyDir != null);
            Assert.Contains(pod.Volumes, v => v.PersistentVolumeClaim != null);
            var headless = all.One<V1Service>(set.Spec.ServiceName);
            Assert.Equal("None", headless.Spec.ClusterIP);
            Assert.All(headless.Spec.Selector, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            foreach (var c in pod.Containers)
            {
                Assert.True(c.SecurityContext.RunAsNonRoot);
                Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
                Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
                Assert.Contains("ALL", c.SecurityContext.Capabilities.Drop);
                Assert.Contains("/tmp", c.VolumeMounts.Select(m => m.MountPath));
                Assert.True(c.Resources.Requests.ContainsKey("cpu") && c.Resources.Requests.ContainsKey("memory"), set.Metadata.Name);
                Assert.True(c.Resources.Limits.ContainsKey("memory"), set.Metadata.Name);
                Assert.Equal("/alive", c.LivenessProbe.HttpGet.Path);
                Assert.Equal("management", c.LivenessProbe.HttpGet.Port.Value);
                Assert.Equal("/ready", c.ReadinessProbe.HttpGet.Path);
                Assert.Equal("management", c.ReadinessProbe.HttpGet.Port.Value);
                bool isTrainer = set == trainer;
                string[] ports = isTrainer ? ["akka-remote", "management", "data-plane", "metrics"] : ["akka-remote", "management", "metrics"];
                Assert.Equal(ports, c.Ports.Select(p => p.Name));
                Assert.Equal(ports, headless.Spec.Ports.Select(p => p.Name));
                Assert.All(headless.Spec.Ports, p => Assert.Equal(p.Name, p.TargetPort.Value));
                // Cluster bootstrap from the pod's environment: no seeds; the selector finds both sets' pods.
                Assert.Equal("kubernetes", c.Args[c.Args.IndexOf("--discovery") + 1]);
                Assert.DoesNotContain("--seed-nodes", c.Args);
                var env = c.Env.ToDictionary(e => e.Name);
                Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
                Assert.Equal((trainerPods + 1).ToString(), env["GANCLUSTER_REQUIRED_CONTACT_POINTS"].Value);
                foreach (var s in sets)
                    foreach (var term in env["GANCLUSTER_POD_LABEL_SELECTOR"].Value.Split(','))
                        Assert.Equal(term.Split('=')[1], s.Spec.Template.Metadata.Labels[term.Split('=')[0]]);
                if (isTrainer)
                {
                    Assert.Equal($"{fullname}-token", env["GANCLUSTER_RUN_TOKEN"].ValueFrom.SecretKeyRef.Name);
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
