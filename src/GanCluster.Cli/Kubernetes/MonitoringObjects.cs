using k8s.Models;

namespace GanCluster.Cli.Kubernetes;

/// <summary>The prometheus-operator and Grafana objects of a run: a ServiceMonitor, the alert and recording rules, the dashboard.</summary>
public static class MonitoringObjects
{
    public static IEnumerable<(string, object)> Render(RenderOptions o, string dir)
    {
        var monitorLabels = ManifestRenderer.Labels(o, null);
        yield return ("servicemonitor.yaml", new Dictionary<string, object>
        {
            ["apiVersion"] = "monitoring.coreos.com/v1", ["kind"] = "ServiceMonitor",
            ["metadata"] = new Dictionary<string, object> { ["name"] = o.Name, ["labels"] = monitorLabels },
            ["spec"] = new Dictionary<string, object>
            {
                ["selector"] = new Dictionary<string, object> { ["matchLabels"] = ManifestRenderer.Selector(o, null) },
                ["endpoints"] = new[] { new Dictionary<string, object> { ["port"] = "metrics", ["interval"] = "15s" } },
            },
        });
        var groups = new List<object>();
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "rules"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var doc = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(file));
            if (doc?.GetValueOrDefault("groups") is List<object> g) groups.AddRange(g);
        }
        yield return ("prometheusrule.yaml", new Dictionary<string, object>
        {
            ["apiVersion"] = "monitoring.coreos.com/v1", ["kind"] = "PrometheusRule",
            ["metadata"] = new Dictionary<string, object> { ["name"] = o.Name, ["labels"] = monitorLabels },
            ["spec"] = new Dictionary<string, object> { ["groups"] = groups },
        });
        var dashboards = Directory.GetFiles(Path.Combine(dir, "dashboards"), "*.json").Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var dashboardLabels = new Dictionary<string, string>(monitorLabels) { ["grafana_dashboard"] = "1" };
        yield return ("configmap-dashboard.yaml", new V1ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = $"{o.Name}-dashboard", Labels = dashboardLabels },
            Data = dashboards,
        });
    }
}
