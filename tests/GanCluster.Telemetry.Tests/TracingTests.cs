using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using GanCluster.Collective;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Diagnostics;
using GanCluster.Core.Runs;
using GanCluster.Training.Checkpointing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace GanCluster.Telemetry.Tests;

/// <summary>
/// The OpenTelemetry pipeline (in-memory exporter) records a step span with the real ring all-reduce spans under it,
/// and the checkpoint, state_transfer and recovery spans with their tags when those operations happen. Other test
/// classes run at the same time and may start spans of their own, so each test picks its spans by values only it uses.
/// </summary>
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

    static TracerProvider Provider(List<Activity> spans, string role) =>
        Tracing.Builder("gancluster-test", new TelemetryOptions { Run = "r", Node = "n", Role = role }).AddInMemoryExporter(spans).Build();

    [Fact]
    public void A_checkpoint_write_is_a_checkpoint_span_with_its_step_and_size_and_a_failed_one_is_an_error()
    {
        var spans = new List<Activity>();
        string dir = TinyRun.TempDir("gancluster-trace-ckpt-");
        try
        {
            var snapshot = new TrainerSnapshot(new Dictionary<string, byte[]> { ["a.bin"] = new byte[1000], ["b.bin"] = new byte[24] });
            using (var provider = Provider(spans, "trainer"))
            {
                using (var writer = new CheckpointWriter(new CheckpointStore(Path.Combine(dir, "checkpoints"), keep: 2, CheckpointContents.Any), events: null))
                {
                    writer.WriteNow(7001, "spec", snapshot); // on the caller's thread
                    writer.Submit(7002, "spec", snapshot); // on the background writer
                    writer.Flush();
                    Assert.Equal(7002, writer.LastCommittedStep);
                }
                File.WriteAllText(Path.Combine(dir, "blocked"), "a file where the store's folder should be");
                using (var broken = new CheckpointWriter(new CheckpointStore(Path.Combine(dir, "blocked"), keep: 2, CheckpointContents.Any), events: null))
                {
                    broken.WriteNow(7003, "spec", snapshot);
                    Assert.Equal(1, broken.Failures);
                }
                provider.ForceFlush();
            }
            var mine = spans.Where(s => s.OperationName == GanActivities.Checkpoint && s.GetTagItem("gancluster.step") is >= 7001L and <= 7003L)
                .OrderBy(s => (long)s.GetTagItem("gancluster.step")!).ToList();
            Assert.Equal([7001L, 7002L, 7003L], mine.Select(s => (long)s.GetTagItem("gancluster.step")!));
            Assert.All(mine, s => Assert.Equal(1024L, s.GetTagItem("gancluster.bytes")));
            Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Unset, ActivityStatusCode.Error], mine.Select(s => s.Status));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_peer_state_transfer_is_a_state_transfer_span_on_the_sender_and_on_the_receiver()
    {
        var spans = new List<Activity>();
        const long epoch = 7101;
        var payload = new byte[3 * 1024 * 1024 + 5]; // more than one frame
        new Random(1).NextBytes(payload);
        using (var provider = Provider(spans, "trainer"))
        {
            var token = RunToken.New();
            using var l0 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
            using var l1 = DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0));
            var world = new WorldDescriptor(epoch, token, [$"127.0.0.1:{l0.Port}", $"127.0.0.1:{l1.Port}"]);
            var receive = PeerTransfer.ReceiveBytesAsync(world, 1, 0, l1, tag: epoch); // as RingDataPlane.ReceiveState
            await PeerTransfer.SendAsync(world, 0, 1, payload, tag: epoch, stats: l0.Stats).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(payload, await receive.WaitAsync(TimeSpan.FromSeconds(60)));
            provider.ForceFlush();
        }
        var mine = spans.Where(s => s.OperationName == GanActivities.StateTransfer && Equals(s.GetTagItem("gancluster.epoch"), epoch))
            .OrderBy(s => (string)s.GetTagItem("gancluster.direction")!, StringComparer.Ordinal).ToList();
        Assert.Equal(["receive", "send"], mine.Select(s => (string)s.GetTagItem("gancluster.direction")!));
        Assert.All(mine, s =>
        {
            Assert.Equal(0, s.GetTagItem("gancluster.from_rank"));
            Assert.Equal(1, s.GetTagItem("gancluster.to_rank"));
            Assert.Equal((long)payload.Length, s.GetTagItem("gancluster.bytes"));
        });
    }

    [Fact]
    public void The_coordinators_recovery_is_a_recovery_span_back_dated_by_the_recoverys_length()
    {
        var spans = new List<Activity>();
        const long epoch = 7202;
        using (var provider = Provider(spans, "coordinator"))
        {
            using var node = NodeTelemetry.Start(new TelemetryOptions { Run = "r", Node = "coord", Role = "coordinator" });
            var c = node.Coordinator(workersWanted: 2, workersMinimum: 1);
            c.OnEvent(EventKind.WorldAborted, 40, new JsonObject { ["epoch"] = epoch - 1, ["reason"] = "member_lost" });
            c.OnEvent(EventKind.WorldFormed, 40, new JsonObject { ["epoch"] = epoch, ["world_size"] = 1 });
            Assert.DoesNotContain(spans, s => s.OperationName == GanActivities.Recovery && Equals(s.GetTagItem("gancluster.epoch"), epoch));
            var written = DateTime.UtcNow;
            // As CoordinatorActor writes it when the re-formed world's first step arrives.
            c.OnEvent(EventKind.Recovered, 41, new JsonObject { ["epoch"] = epoch, ["seconds"] = 2.5, ["reason"] = "member_lost", ["world_size"] = 1 });
            provider.ForceFlush();
            var span = Assert.Single(spans, s => s.OperationName == GanActivities.Recovery && Equals(s.GetTagItem("gancluster.epoch"), epoch));
            Assert.Equal(41L, span.GetTagItem("gancluster.step"));
            Assert.Equal("member_lost", span.GetTagItem("gancluster.reason"));
            Assert.InRange(span.Duration.TotalSeconds, 2.4, 30);
            Assert.InRange(span.StartTimeUtc, written.AddSeconds(-2.6), written.AddSeconds(-1.5));
            Assert.Equal(default, span.ParentSpanId); // a root span of its own, not under whatever was current
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
