using System.Diagnostics;

namespace GanCluster.Telemetry.Tests;

/// <summary>Every node's /metrics carries the process_* and dotnet_* series a cluster's dashboards expect, with the node's identity labels.</summary>
public class ProcessMetricsTests
{
    const string Id = "node=\"t0\",role=\"trainer\",run=\"r1\"";

    [Fact]
    public async Task Metrics_serves_process_and_runtime_series_of_this_process_over_http()
    {
        int port = InstrumentTests.FreePort();
        using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r1", Node = "t0", Role = "trainer", MetricsPort = port, MetricsHost = "127.0.0.1" });
        using var http = new HttpClient();
        async Task<(string Text, Dictionary<string, double> Series)> Scrape()
        {
            string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            return (text, Exposition.Parse(text));
        }

        var (_, before) = await Scrape();
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var (text, after) = await Scrape();
        using var self = Process.GetCurrentProcess();

        // process_* (prometheus-net): this very process.
        double start = after[$"process_start_time_seconds{{{Id}}}"];
        Assert.InRange(start, new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeSeconds() - 2.0,
            new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeSeconds() + 2.0);
        Assert.True(after[$"process_cpu_seconds_total{{{Id}}}"] > 0);
        Assert.True(after[$"process_working_set_bytes{{{Id}}}"] > 1 << 20);
        Assert.True(after[$"process_num_threads{{{Id}}}"] >= 1);
        Assert.True(after[$"process_open_handles{{{Id}}}"] >= 1);
        Assert.Contains("# TYPE process_cpu_seconds_total counter", text);

        // dotnet_* (the runtime's System.Runtime meter, translated as the OpenTelemetry Prometheus exporter names it):
        // the forced collections are counted between the two scrapes.
        string gen2 = $"dotnet_gc_collections_total{{gc_heap_generation=\"gen2\",{Id}}}";
        Assert.True(after[gen2] >= before.GetValueOrDefault(gen2) + 1, $"{gen2}: {before.GetValueOrDefault(gen2)} -> {after[gen2]}");
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text);
        Assert.True(after[$"dotnet_process_memory_working_set_bytes{{{Id}}}"] > 1 << 20);
        Assert.True(after[$"dotnet_process_cpu_time_seconds_total{{cpu_mode=\"user\",{Id}}}"] > 0);
        Assert.True(after[$"dotnet_thread_pool_thread_count{{{Id}}}"] >= 1);
        Assert.Contains("# TYPE dotnet_thread_pool_thread_count gauge", text); // it goes down: not a counter
        Assert.True(after[$"dotnet_gc_pause_time_seconds_total{{{Id}}}"] > 0);
        Assert.Contains(after.Keys, k => k.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal));
        // No series with an OpenTelemetry name left untranslated (a dot is not a Prometheus name character).
        Assert.DoesNotContain(text.Split('\n'), l => l.Length > 0 && l[0] != '#' && l.Split('{', ' ')[0].Contains('.'));
    }
}
