using System.Diagnostics;
using System.Net;
using GanCluster.Collective;
using GanCluster.Core.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace GanCluster.Telemetry.Tests;

/// <summary>The OpenTelemetry pipeline (in-memory exporter) records a step span with the real ring all-reduce spans under it.</summary>
public class TracingTests
{
    [Fact]
    public async Task A_step_span_holds_the_all_reduce_spans_of_that_step()
    {
        var spans = new List<Activity>();
        var node = new TelemetryOptions { Run = "r", Node = "n", Role = "trainer" };
        using (var provider = Tracing.Builder("gancluster-test", node).AddInMemoryExporter(spans).Build())
        {
            var token = RunToken.New();
            var listeners = Enumerable.Range(0, 2).Select(_ => DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
            var world = new WorldDescriptor(1, token, listeners.Select(l => $"127.0.0.1:{l.Port}").ToArray());
            var options = new RingOptions { ChunkBytes = 16 * 1024, OperationTimeout = TimeSpan.FromSeconds(30) };
            var ranks = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => RingCollective.ConnectAsync(world, r, listeners[r], options)))
                .WaitAsync(TimeSpan.FromSeconds(60));
            try
            {
                await Task.WhenAll(ranks.Select((c, r) => Task.Factory.StartNew(() =>
                {
                    using var step = GanActivities.Source.StartActivity(GanActivities.Step)!.SetTag("gancluster.step", 1L).SetTag("rank", r);
                    var grads = new float[10_000];
                    grads.AsSpan().Fill(r + 1);
                    c.AllReduceSum(grads); // D's gradients
                    c.AllReduceSum(grads); // G's gradients
                    Assert.Equal(6f, grads[0]); // (1 + 2) summed, then (3 + 3)
                }, TaskCreationOptions.LongRunning))).WaitAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                foreach (var c in ranks) c.Dispose();
                foreach (var l in listeners) l.Dispose();
            }
            provider.ForceFlush();
        }
        var steps = spans.Where(s => s.OperationName == GanActivities.Step).ToList();
        Assert.Equal(2, steps.Count);
        foreach (var step in steps)
        {
            var children = spans.Where(s => s.ParentSpanId == step.SpanId).ToList();
            Assert.Equal([GanActivities.AllReduce, GanActivities.AllReduce], children.Select(c => c.OperationName));
            Assert.All(children, c => Assert.Equal(40_000L, c.GetTagItem("gancluster.bytes")));
            Assert.All(children, c => Assert.Equal(step.TraceId, c.TraceId));
        }
    }

    [Fact]
    public void Tracing_is_off_unless_an_otlp_endpoint_is_configured()
    {
        Assert.False(Tracing.Enabled(_ => null));
        Assert.True(Tracing.Enabled(k => k == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://127.0.0.1:4317" : null));
        Assert.False(Tracing.Enabled(k => k switch { "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://x:4317", "OTEL_TRACES_EXPORTER" => "none", _ => null }));
    }
}
