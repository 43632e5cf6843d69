using System.CommandLine;
using System.Text.RegularExpressions;
using GanCluster.Cli.Kubernetes;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster k8s render`: the Kubernetes objects of a run spec (the helm chart's objects), as a kustomize base.</summary>
public static partial class K8sCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = new Option<string?>("--out", "-o") { Description = "folder to write the manifests and a kustomization.yaml into" };
        var workers = new Option<int?>("--workers") { Description = "trainers in total (overrides cluster.workers)" };
        var gpus = new Option<int>("--gpus-per-node") { Description = "GPUs (trainers) per trainer pod; 0: CPU pods (smoke runs)", DefaultValueFactory = _ => 1 };
        var image = new Option<string>("--image") { Description = "container image", DefaultValueFactory = _ => "gancluster:latest" };
        var name = new Option<string>("--name") { Description = "object name prefix and app.kubernetes.io/instance", DefaultValueFactory = _ => "gancluster" };
        var monitoring = new Option<string>("--monitoring") { Description = "folder with rules/*.yaml and dashboards/*.json (skipped if absent)", DefaultValueFactory = _ => "deploy/monitoring" };
        var tls = new Option<string?>("--tls-secret") { Description = "Secret with the Akka remoting certificate (keys cluster.pfx and optional password; docs/security.md)" };
        var render = new Command("render", "write the Kubernetes manifests of a run spec") { config, set, output, workers, gpus, image, name, monitoring, tls };
        render.SetAction(parse =>
        {
            var sets = parse.GetValue(set) ?? [];
            if (parse.GetValue(workers) is { } n) sets = [.. sets, $"cluster.workers={n}"];
            var spec = CommonOptions.LoadSpec(parse.GetValue(config) ?? throw new SpecException("--config", "a run spec file", "nothing", "input"), sets);
            string outDir = parse.GetValue(output) ?? throw new SpecException("--out", "the folder to write manifests into", "nothing", "input");
            int gpusPerNode = parse.GetValue(gpus);
            string runName = parse.GetValue(name) ?? "gancluster";
            var problems = new List<SpecProblem>();
            if (gpusPerNode is < 0 or > 16) problems.Add(new SpecProblem("--gpus-per-node", "0 (CPU) to 16", gpusPerNode.ToString()));
            else if (gpusPerNode > 0 && spec.Cluster.Workers % gpusPerNode != 0)
                problems.Add(new SpecProblem("--workers", $"a multiple of --gpus-per-node ({gpusPerNode})", spec.Cluster.Workers.ToString()));
            if (!DnsLabel().IsMatch(runName)) problems.Add(new SpecProblem("--name", "a DNS label of at most 40 characters (a-z, 0-9, '-')", $"'{runName}'"));
            string img = parse.GetValue(image) ?? "";
            if (img.Length == 0 || img.Any(char.IsWhiteSpace)) problems.Add(new SpecProblem("--image", "an image reference", $"'{img}'"));
            if (parse.GetValue(tls) is { } secret && !DnsLabel().IsMatch(secret))
                problems.Add(new SpecProblem("--tls-secret", "a Secret name (a DNS label)", $"'{secret}'"));
            if (problems.Count > 0) throw new SpecException(problems, "input");

            var options = new RenderOptions
            {
                Name = runName, Image = img, Workers = spec.Cluster.Workers, GpusPerNode = gpusPerNode,
                SpecYaml = SpecEmitter.ToYaml(spec), MonitoringDir = parse.GetValue(monitoring), TlsSecret = parse.GetValue(tls),
            };
            Directory.CreateDirectory(outDir);
            var objects = ManifestRenderer.Render(options);
            foreach (var (file, obj) in objects)
                File.WriteAllText(Path.Combine(outDir, file), ManifestRenderer.ToYaml(obj).TrimEnd() + "\n");
            File.WriteAllText(Path.Combine(outDir, "kustomization.yaml"),
                "# Rendered by `gancluster k8s render`; apply with kubectl apply -k (set the token Secret first).\n" +
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
                string.Concat(objects.Select(x => $"  - {x.File}\n")));
            NodeLog.Info($"wrote {objects.Count} objects to {outDir} ({options.TrainerPods} trainer pod(s) x {Math.Max(1, gpusPerNode)} trainer(s), {(gpusPerNode == 0 ? "CPU" : $"{gpusPerNode} GPU(s) each")})");
            return CliApp.Ok;
        });
        return new Command("k8s", "Kubernetes manifests for a run") { render };
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
