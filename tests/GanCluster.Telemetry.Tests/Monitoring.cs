using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Telemetry.Tests;

/// <summary>deploy/monitoring/ and the tools that check it (promtool and prometheus from Debian's `prometheus` package).</summary>
public static class Monitoring
{
    public static string Dir { get; } = FindDir();

    static string FindDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "deploy", "monitoring"))) return Path.Combine(d.FullName, "deploy", "monitoring");
        throw new DirectoryNotFoundException("deploy/monitoring not found above " + AppContext.BaseDirectory);
    }

    public static string RuleFile(string name) => Path.Combine(Dir, name);

    public static readonly string[] RuleFiles = ["rules/recording-rules.yaml", "rules/alert-rules.yaml"];

    /// <summary>The path of a tool `make test` installs (build/scripts/deps.sh prometheus); a clear failure if it is missing.</summary>
    public static string Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException($"{name} is not installed: run `build/scripts/deps.sh prometheus` (make test does)");
    }

    public static (int Code, string Output) Run(string tool, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(Tool(tool)) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(); throw new TimeoutException($"{tool} {string.Join(' ', args)}"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Every PromQL expression of the rule files: (where, expression).</summary>
    public static List<(string Where, string Expr)> RuleExpressions()
    {
        var list = new List<(string, string)>();
        foreach (var file in RuleFiles)
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(RuleFile(file))) yaml.Load(reader);
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            foreach (YamlMappingNode group in (YamlSequenceNode)root["groups"])
                foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
                {
                    string name = rule.Children.TryGetValue("record", out var r) ? r.ToString() : rule["alert"].ToString();
                    list.Add(($"{file}: {name}", rule["expr"].ToString()));
                }
        }
        return list;
    }

    /// <summary>Every PromQL expression of the dashboard (panel targets, annotations, the metric of each variable's label_values).</summary>
    public static List<(string Where, string Expr)> DashboardExpressions()
    {
        var dash = JsonNode.Parse(File.ReadAllText(RuleFile("dashboards/gancluster.json")))!.AsObject();
        var list = new List<(string, string)>();
        foreach (var panel in dash["panels"]!.AsArray())
            foreach (var target in panel!["targets"]!.AsArray())
                list.Add(($"panel '{panel["title"]}' {target!["refId"]}", (string)target["expr"]!));
        foreach (var a in dash["annotations"]!["list"]!.AsArray())
            if (a!["expr"] is { } e) list.Add(($"annotation '{a["name"]}'", (string)e!));
        foreach (var v in dash["templating"]!["list"]!.AsArray())
            if (v!["definition"] is { } def && ((string)def!).StartsWith("label_values(", StringComparison.Ordinal))
            {
                string inner = ((string)def!)["label_values(".Length..^1];
                list.Add(($"variable '{v["name"]}'", inner[..inner.LastIndexOf(',')]));
            }
        return list;
    }

    /// <summary>Grafana's variables replaced as Grafana would for this run.</summary>
    public static string Expand(string expr, string run) => expr
        .Replace("$__rate_interval", "1m").Replace("$__interval", "15s").Replace("$__range", "5m")
        .Replace("$run", run).Replace("$rank", ".*");
}
