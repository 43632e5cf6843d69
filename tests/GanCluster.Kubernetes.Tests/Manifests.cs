using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Kubernetes.Tests;

/// <summary>One rendered object: kind, name, the typed KubernetesClient model where there is one, and the raw YAML.</summary>
public sealed record Manifest(string Kind, string Name, object? Typed, string Yaml);

public static class Manifests
{
    // Strict: a field the Kubernetes API does not know (a typo in a template) fails the parse.
    static object? Typed(string kind, string yaml) => kind switch
    {
        "ServiceAccount" => KubernetesYaml.Deserialize<V1ServiceAccount>(yaml, strict: true),
        "Role" => KubernetesYaml.Deserialize<V1Role>(yaml, strict: true),
        "RoleBinding" => KubernetesYaml.Deserialize<V1RoleBinding>(yaml, strict: true),
        "ConfigMap" => KubernetesYaml.Deserialize<V1ConfigMap>(yaml, strict: true),
        "Secret" => KubernetesYaml.Deserialize<V1Secret>(yaml, strict: true),
        "PersistentVolumeClaim" => KubernetesYaml.Deserialize<V1PersistentVolumeClaim>(yaml, strict: true),
        "Service" => KubernetesYaml.Deserialize<V1Service>(yaml, strict: true),
        "Job" => KubernetesYaml.Deserialize<V1Job>(yaml, strict: true),
        "PodDisruptionBudget" => KubernetesYaml.Deserialize<V1PodDisruptionBudget>(yaml, strict: true),
        "NetworkPolicy" => KubernetesYaml.Deserialize<V1NetworkPolicy>(yaml, strict: true),
        _ => null, // custom resources (ServiceMonitor, PrometheusRule): checked through the raw YAML
    };

    public static List<Manifest> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var result = new List<Manifest>();
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is not YamlMappingNode map || map.Children.Count == 0) continue;
            string kind = ((YamlScalarNode)map[new YamlScalarNode("kind")]).Value!;
            var meta = (YamlMappingNode)map[new YamlScalarNode("metadata")];
            string name = ((YamlScalarNode)meta[new YamlScalarNode("name")]).Value!;
            var text = new StringWriter();
            new YamlStream(new YamlDocument(map)).Save(text, assignAnchors: false);
            string docYaml = text.ToString().TrimEnd().TrimEnd('.').TrimEnd();
            result.Add(new Manifest(kind, name, Typed(kind, docYaml), docYaml));
        }
        return result;
    }

    public static T One<T>(this IEnumerable<Manifest> all, string name) => (T)all.Single(m => m.Name == name && m.Typed is T).Typed!;
    public static IEnumerable<T> All<T>(this IEnumerable<Manifest> all) => all.Select(m => m.Typed).OfType<T>();
}
