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
        var gpus = new Option<int>("--gpus-per-trainer-pod") { Description = "GPUs (trainers) per trainer pod; 0: CPU pods (smoke runs)", DefaultValueFactory = _ => 1 };
        var image = new Option<string>("--image") { Description = "container image", DefaultValueFactory = _ => "gancluster:latest" };
        var coordinatorImage = new Option<string?>("--coordinator-image") { Description = "the coordinator's image (default: --image)" };
        var name = new Option<string>("--name") { Description = "object name prefix and app.kubernetes.io/instance", DefaultValueFactory = _ => "gancluster" };
        var monitoring = new Option<string>("--monitoring") { Description = "folder with rules/*.yaml and dashboards/*.json (skipped if absent)", DefaultValueFactory = _ => "deploy/monitoring" };
        var metricsNamespace = new Option<string>("--metrics-namespace") { Description = "namespace whose pods may scrape /metrics (NetworkPolicy)", DefaultValueFactory = _ => "monitoring" };
        var tls = new Option<string?>("--tls-secret") { Description = "Secret with the Akka remoting certificate (keys cluster.pfx and optional password; docs/security.md)" };
        var token = new Option<string?>("--token-secret") { Description = $"existing Secret with the run token (key token); default: a random token in {KustomizeBase.TokenFile}, generated into a Secret by kustomize" };
        var resume = new Option<bool>("--resume") { Description = "the coordinator continues the run directory from its newest checkpoint" };
        var render = new Command("render", "write the Kubernetes manifests of a run spec")
            { config, set, output, workers, gpus, image, coordinatorImage, name, monitoring, metricsNamespace, tls, token, resume };
        render.SetAction(parse =>
        {
            var sets = parse.GetValue(set) ?? [];
            if (parse.GetValue(workers) is { } n) sets = [.. sets, $"cluster.workers={n}"];
            var spec = CommonOptions.LoadSpec(parse.GetValue(config) ?? throw new SpecException("--config", "a run spec file", "nothing", "input"), sets);
            string outDir = parse.GetValue(output) ?? throw new SpecException("--out", "the folder to write manifests into", "nothing", "input");
            int gpusPerPod = parse.GetValue(gpus);
            string runName = parse.GetValue(name) ?? "gancluster";
            var problems = new List<SpecProblem>();
            if (gpusPerPod is < 0 or > 16) problems.Add(new SpecProblem("--gpus-per-trainer-pod", "0 (CPU) to 16", gpusPerPod.ToString()));
            else if (gpusPerPod > 0 && spec.Cluster.Workers % gpusPerPod != 0)
                problems.Add(new SpecProblem("--workers", $"a multiple of --gpus-per-trainer-pod ({gpusPerPod})", spec.Cluster.Workers.ToString()));
            if (!DnsLabel().IsMatch(runName)) problems.Add(new SpecProblem("--name", "a DNS label of at most 40 characters (a-z, 0-9, '-')", $"'{runName}'"));
            string img = parse.GetValue(image) ?? "";
            if (!IsImage(img)) problems.Add(new SpecProblem("--image", "an image reference", $"'{img}'"));
            string? coordinatorImg = parse.GetValue(coordinatorImage);
            if (coordinatorImg != null && !IsImage(coordinatorImg)) problems.Add(new SpecProblem("--coordinator-image", "an image reference", $"'{coordinatorImg}'"));
            foreach (var (option, value) in new[] { ("--tls-secret", parse.GetValue(tls)), ("--token-secret", parse.GetValue(token)), ("--metrics-namespace", parse.GetValue(metricsNamespace)) })
                if (value != null && !DnsLabel().IsMatch(value)) problems.Add(new SpecProblem(option, "a Kubernetes name (a DNS label)", $"'{value}'"));
            if (problems.Count > 0) throw new SpecException(problems, "input");

            var options = new RenderOptions
            {
                Name = runName, Image = img, CoordinatorImage = coordinatorImg, Workers = spec.Cluster.Workers, GpusPerTrainerPod = gpusPerPod,
                MaxRestarts = spec.Cluster.MaxRestarts, Resume = parse.GetValue(resume), SpecYaml = SpecEmitter.ToYaml(spec),
                MonitoringDir = parse.GetValue(monitoring), MetricsNamespace = parse.GetValue(metricsNamespace) ?? "monitoring",
                TlsSecret = parse.GetValue(tls), TokenSecret = parse.GetValue(token),
            };
            var objects = ManifestRenderer.Render(options);
            KustomizeBase.Write(outDir, options, objects);
            NodeLog.Info($"wrote {objects.Count} objects to {outDir} ({options.TrainerPods} trainer pod(s) x {Math.Max(1, gpusPerPod)} trainer(s), " +
                $"{(gpusPerPod == 0 ? "CPU" : $"{gpusPerPod} GPU(s) each")})" +
                (options.TokenSecret == null ? $"; a random run token in {Path.Combine(outDir, KustomizeBase.TokenFile)} (keep it out of version control)" : ""));
            return CliApp.Ok;
        });
        return new Command("k8s", "Kubernetes manifests for a run") { render };
    }

    static bool IsImage(string image) => image.Length > 0 && !image.Any(char.IsWhiteSpace);

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
