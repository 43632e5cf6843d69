using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace GanCluster.Telemetry.Tests;

/// <summary>
/// A real Prometheus (Debian's `prometheus`) on loopback scrapes a real 2-worker `gancluster local` run through the
/// ports the run writes to RUN_DIR/local/metrics-ports.json, with the project's rule files loaded. The test waits
/// for the run to show steps, a collapse evaluation and a checkpoint, checks the key series, then executes every
/// expression of the rules and the dashboard through the HTTP API.
/// </summary>
public sealed class PrometheusIntegrationTests : IDisposable
{
    readonly string _dir = TinyRun.TempDir("gancluster-prom-");
    readonly List<Process> _processes = [];
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    string _api = "";

    [Fact]
    public async Task Prometheus_scrapes_a_two_worker_local_run_and_every_rule_and_dashboard_expression_runs()
    {
        var local = Start(CliProcess.StartInfo(_dir, ["local", "--workers", "2", "--out", "run", "--set", "steps=1000000",
            "--set", "checkpoint.every=25", "--set", "checkpoint.keep=1", "--set", "collapse.every=10", "--set", "collapse.warmup_steps=0",
            "--set", "collapse.sample_size=64", "--set", "collapse.real_sample_size=64", "--set", "sample_every=0", .. TinyRun.Args,
            "--set", "log_every=100"]));
        string portsFile = Path.Combine(_dir, "run", "local", "metrics-ports.json");
        await Until(() => Task.FromResult(File.Exists(portsFile)), "metrics-ports.json", local);
        var nodes = JsonNode.Parse(await File.ReadAllTextAsync(portsFile))!.AsArray();
        Assert.Equal(3, nodes.Count);

        int promPort = InstrumentTests.FreePort();
        string config = Path.Combine(_dir, "prometheus.yml");
        string targets = string.Join(", ", nodes.Select(n => $"'127.0.0.1:{(int)n!["metrics_port"]!}'"));
        string rules = string.Join(", ", Monitoring.RuleFiles.Select(f => $"'{Monitoring.RuleFile(f)}'"));
        await File.WriteAllTextAsync(config, $"""
            global: {"{"} scrape_interval: 1s, evaluation_interval: 1s {"}"}
            rule_files: [{rules}]
            scrape_configs:
              - job_name: gancluster
                static_configs: [{"{"} targets: [{targets}] {"}"}]
            """);
        var prom = Start(new ProcessStartInfo(Monitoring.Tool("prometheus"))
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_dir, "tsdb")}",
                $"--web.listen-address=127.0.0.1:{promPort}", "--log.level=warn" },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir,
        });
        _api = $"http://127.0.0.1:{promPort}/api/v1/";

        // Every target up, both ranks past step 30, a collapse evaluation and a checkpoint seen.
        await Until(async () => (await Values("up")).Count(v => v == 1) == 3, "all three targets up", local, prom);
        await Until(async () => (await Values("gancluster_step")).Count(v => v >= 30) == 2, "both ranks past step 30", local, prom);
        await Until(async () => (await Values("gancluster_collapse_score")).Count == 1, "a collapse evaluation", local, prom);
        await Until(async () => (await Values("gancluster_checkpoints_total")).Any(v => v >= 1), "a committed checkpoint", local, prom);
        await Until(async () => (await Values("run:gancluster_steps:rate1m")).Any(v => v > 0), "the recording rules", local, prom);

        string run = "run";
        Assert.Equal([2.0], await Values($"gancluster_world_size{{run=\"{run}\",role=\"coordinator\"}}"));
        Assert.Equal([1.0], await Values($"gancluster_world_epoch{{run=\"{run}\",role=\"coordinator\"}}"));
        // Each trainer exports the world it joined, under its rank.
        Assert.Equal([2.0, 2.0], await Values($"gancluster_world_size{{run=\"{run}\",role=\"trainer\"}}"));
        Assert.Equal([1.0, 1.0], await Values($"gancluster_world_epoch{{run=\"{run}\",role=\"trainer\"}}"));
        Assert.Equal([2.0], await Values($"gancluster_members{{run=\"{run}\",status=\"in_world\"}}"));
        var ranks = await Query($"gancluster_step{{run=\"{run}\"}}");
        Assert.Equal(["0", "1"], ranks.Select(r => (string)r["metric"]!["rank"]!).Order().ToArray());
        Assert.Equal(["t0", "t1"], ranks.Select(r => (string)r["metric"]!["node"]!).Order().ToArray());
        foreach (var loss in (await Values("gancluster_loss_d")).Concat(await Values("gancluster_loss_g")))
            Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        foreach (var d in (await Values("gancluster_d_real")).Concat(await Values("gancluster_d_fake")))
            Assert.InRange(d, 0, 1); // BCE: D's outputs are probabilities
        Assert.All(await Values("gancluster_lr_g"), lr => Assert.Equal(2e-4, lr, 10));
        Assert.All(await Values("gancluster_resolution_pixels"), r => Assert.Equal(16, r));
        Assert.InRange((await Values("gancluster_collapse_score")).Single(), 0, 1);
        Assert.True((await Values("sum(gancluster_allreduce_seconds_count)")).Single() > 0);
        Assert.True((await Values("sum(gancluster_allreduce_bytes_total)")).Single() > 0);
        Assert.True((await Values("gancluster_checkpoint_size_bytes")).Single() > 1000);
        Assert.All(await Values("gancluster_images_per_second"), v => Assert.True(v > 0));
        Assert.Equal(0, (await Values("sum(gancluster_nonfinite_steps_skipped_total)")).Single());
        Assert.Empty(await Query("ALERTS{alertstate=\"firing\"}"));
        // Every node (coordinator and both trainers) exports its process and runtime series.
        Assert.Equal(["coord", "t0", "t1"], (await Query($"process_cpu_seconds_total{{run=\"{run}\"}}")).Select(r => (string)r["metric"]!["node"]!).Order().ToArray());
        Assert.Equal(3, (await Values($"sum by (node) (dotnet_gc_collections_total{{run=\"{run}\"}})")).Count(v => v > 0));
        // p95 step duration from the histogram is a positive number of seconds.
        Assert.All(await Values("run_rank:gancluster_step_duration_seconds:p95_5m"), v => Assert.True(v > 0 && double.IsFinite(v)));

        // Every expression of the rules and the dashboard is valid PromQL against the live series.
        var expressions = Monitoring.RuleExpressions().Concat(Monitoring.DashboardExpressions()).ToList();
        Assert.True(expressions.Count >= 40, $"{expressions.Count} expressions");
        var errors = new List<string>();
        foreach (var (where, expr) in expressions)
        {
            var (ok, detail) = await TryQuery(Monitoring.Expand(expr, run));
            if (!ok) errors.Add($"{where}: {detail}");
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        // The dashboard's panels mostly show data (a few need events this run does not have, such as recoveries).
        int withData = 0;
        foreach (var (_, expr) in Monitoring.DashboardExpressions())
            if ((await Query(Monitoring.Expand(expr, run))).Count > 0) withData++;
        Assert.True(withData >= 30, $"{withData} dashboard expressions returned data");

        var series = await Values($"count({{__name__=~\"gancluster_.*\",run=\"{run}\"}})");
        Console.WriteLine($"gancluster series in Prometheus: {series.Single()}; dashboard expressions with data: {withData}/{Monitoring.DashboardExpressions().Count}");
    }

    Process Start(ProcessStartInfo psi)
    {
        var p = Process.Start(psi)!;
        _processes.Add(p);
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    async Task<List<JsonNode>> Query(string promql)
    {
        var (ok, detail, result) = await QueryRaw(promql);
        Assert.True(ok, $"{promql}: {detail}");
        return result;
    }

    async Task<(bool Ok, string Detail)> TryQuery(string promql)
    {
        var (ok, detail, _) = await QueryRaw(promql);
        return (ok, detail);
    }

    async Task<(bool, string, List<JsonNode>)> QueryRaw(string promql)
    {
        var response = await _http.GetAsync(_api + "query?query=" + Uri.EscapeDataString(promql));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if ((string?)body["status"] != "success") return (false, $"{body["errorType"]}: {body["error"]}", []);
        var data = body["data"]!;
        var result = (string)data["resultType"]! == "scalar" ? [data["result"]!.DeepClone()] : data["result"]!.AsArray().Select(n => n!.DeepClone()).ToList();
        return (true, "", result);
    }

    async Task<List<double>> Values(string promql) =>
        [.. (await Query(promql)).Select(r => double.Parse((string)(r is JsonArray a ? a[1] : r["value"]![1])!, CultureInfo.InvariantCulture))];

    async Task Until(Func<Task<bool>> condition, string what, params Process[] mustLive)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try { if (await condition()) return; }
            catch (HttpRequestException) { } // Prometheus still starting: no listener yet
            catch (System.Text.Json.JsonException) { } // listening, but "Service Unavailable" (not JSON) until it is ready
            foreach (var p in mustLive)
                if (p.HasExited) Assert.Fail($"{p.StartInfo.FileName} exited (code {p.ExitCode}) while waiting for {what}");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(4), $"gave up waiting for {what}");
            await Task.Delay(500);
        }
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(10_000); }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
