using GanCluster.Core.Spec;
using k8s.Models;

namespace GanCluster.Kubernetes.Tests;

/// <summary>
/// The run spec each rendered pod would load: the ConfigMap mounted at its --config, with the pod's own --set and
/// --workers overrides, through the real spec loader (<see cref="RunSpecLoader"/>). A spec the loader refuses throws
/// the <see cref="SpecException"/> the pod would exit 2 with.
/// </summary>
public static class PodSpecs
{
    public static IReadOnlyDictionary<string, RunSpec> Load(List<Manifest> all)
    {
        var result = new Dictionary<string, RunSpec>();
        foreach (var job in all.All<V1Job>())
        {
            var pod = job.Spec.Template.Spec;
            var c = pod.Containers.Single();
            string config = c.Args[c.Args.IndexOf("--config") + 1];
            var mount = c.VolumeMounts.Single(m => config.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
            var configMap = all.One<V1ConfigMap>(pod.Volumes.Single(v => v.Name == mount.Name).ConfigMap.Name);
            string yaml = configMap.Data[config[(mount.MountPath.Length + 1)..]];
            var overrides = new List<string>();
            for (int i = 0; i < c.Args.Count - 1; i++)
                if (c.Args[i] == "--set") overrides.Add(c.Args[i + 1]);
                else if (c.Args[i] == "--workers") overrides.Add($"cluster.workers={c.Args[i + 1]}");
            result[job.Metadata.Name] = RunSpecLoader.Parse(yaml, overrides);
        }
        Assert.Equal(2, result.Count);
        return result;
    }

    /// <summary>The examples a user can mount: every examples/*.yaml.</summary>
    public static IEnumerable<string> Examples() =>
        Directory.GetFiles(Path.Combine(Tools.Root, "examples"), "*.yaml").Select(f => Path.GetRelativePath(Tools.Root, f)).Order(StringComparer.Ordinal);
}
