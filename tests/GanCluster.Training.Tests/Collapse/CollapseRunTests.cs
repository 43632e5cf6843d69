using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Collapse;

/// <summary>Tiny runs whose generator is forced to ignore z: the monitor raises the flag; with the response on, it rolls back.</summary>
public class CollapseRunTests(ITestOutputHelper output)
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-collapse-").FullName;

    /// <summary>A DCGAN generator fed zeros instead of z: every sample is the same image.</summary>
    sealed class IgnoresZ : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> inner;

        public IgnoresZ(nn.Module<Tensor, Tensor> generator) : base(nameof(IgnoresZ))
        {
            inner = generator;
            RegisterComponents();
        }

        public override Tensor forward(Tensor z) => inner.forward(zeros_like(z));
    }

    static RunSpec Spec(bool response) => RunSpecLoader.Parse($$"""
        steps: 40
        batch_size: 16
        data: { format: embedded, limit: 256 }
        model: { resolution: 16, nz: 8, ngf: 8, ndf: 8 }
        sample_every: 0
        log_every: 1000
        threads: 1
        checkpoint: { every: 4, keep: 10 }
        collapse:
          every: 2
          sample_size: 64
          real_sample_size: 128
          warmup_steps: 0
          raise_after: 3
          response: { enabled: {{(response ? "true" : "false")}}, window: 1, max_rollbacks: 2, mitigation: [{ kind: scale_lr, lr_g: 0.5, lr_d: 0.5 }] }
        """);

    GanTrainer Trainer(RunSpec spec, string name) => new(new TrainerOptions
    {
        Spec = spec,
        RunDir = Path.Combine(_dir, name),
        Models = (s, device) =>
        {
            var (g, d) = GanModels.Create(s, device);
            return (new IgnoresZ(g), d);
        },
        Log = output.WriteLine,
    });

    static List<JsonObject> Read(string path) => JsonlWriter.ReadAll(path).ToList();

    static string Kind(JsonObject e) => e["kind"]!.GetValue<string>();

    [Fact]
    public void A_generator_that_ignores_z_raises_the_flag_and_the_metrics_show_why()
    {
        var spec = Spec(response: false);
        spec.Steps = 12;
        using (var trainer = Trainer(spec, "monitor"))
        {
            var state = trainer.Run();
            Assert.Equal(12, state.Step);
            Assert.Null(trainer.StopReason);
            Assert.True(trainer.CollapseMonitor!.Flag.Suspected);
        }
        var layout = new RunLayout(Path.Combine(_dir, "monitor"));
        var rows = Read(layout.MetricsFile).Where(r => r["collapse_score"] != null).ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.True(row["collapse_score"]!.GetValue<double>() > 0.9, row.ToJsonString());
            Assert.Equal(1.0, row["duplicate_rate"]!.GetValue<double>());
            Assert.InRange(row["classes_covered"]!.GetValue<int>(), 0, 1); // one image: at most one class
            Assert.True(row["collapse_step"]!.GetValue<long>() <= row["step"]!.GetValue<long>());
        }
        var events = Read(layout.EventsFile);
        var raised = Assert.Single(events, e => Kind(e) == EventKind.CollapseSuspected);
        Assert.Equal(6, raised["details"]!["evaluated_step"]!.GetValue<long>()); // third evaluation (steps 2, 4, 6)
        Assert.Equal(EventKind.RunFinished, Kind(events[^1]));
        var checkpoint4 = Core.Checkpoints.CheckpointManifest.FromJson(File.ReadAllText(Path.Combine(layout.CheckpointDir(4), "manifest.json")));
        Assert.False(checkpoint4.Info!["collapse"]!["suspected"]!.GetValue<bool>());
        var checkpoint8 = Core.Checkpoints.CheckpointManifest.FromJson(File.ReadAllText(Path.Combine(layout.CheckpointDir(8), "manifest.json")));
        Assert.True(checkpoint8.Info!["collapse"]!["suspected"]!.GetValue<bool>());
    }

    [Fact]
    public void With_the_response_on_it_rolls_back_with_lower_learning_rates_then_stops()
    {
        var spec = Spec(response: true);
        using (var trainer = Trainer(spec, "respond"))
        {
            var state = trainer.Run();
            Assert.NotNull(trainer.StopReason);
            Assert.Contains("max_rollbacks", trainer.StopReason);
            Assert.True(state.Step < spec.Steps, $"stopped at {state.Step}");
        }
        var layout = new RunLayout(Path.Combine(_dir, "respond"));
        var events = Read(layout.EventsFile);
        foreach (var e in events) output.WriteLine(e.ToJsonString());
        var rollbacks = events.Where(e => Kind(e) == EventKind.CollapseRollback).ToList();
        Assert.Equal(2, rollbacks.Count);
        Assert.All(rollbacks, r => Assert.Equal(4, r["step"]!.GetValue<long>())); // back to the clear checkpoint
        Assert.Equal(0.5, rollbacks[0]["details"]!["lr_g_scale"]!.GetValue<double>());
        Assert.Equal(0.25, rollbacks[1]["details"]!["lr_d_scale"]!.GetValue<double>());
        Assert.Equal(EventKind.CollapseStopped, Kind(events[^1]));

        // The logs stay in step order; what the rollback undid is kept under rollbacks/N/.
        var steps = Read(layout.MetricsFile).Select(r => r["step"]!.GetValue<long>()).ToList();
        Assert.Equal(steps.Order().ToList(), steps);
        Assert.Equal(steps.Distinct().Count(), steps.Count);
        Assert.True(File.Exists(Path.Combine(layout.RollbackArchiveDir(1), "metrics.jsonl")));
        var last = Read(layout.MetricsFile).Last(r => r["step"]!.GetValue<long>() > 4);
        Assert.Equal(2e-4 * 0.25, last["lr_g"]!.GetValue<double>(), 12);

        // A resumed run keeps the rollback count: it stops again instead of rolling back a third time.
        using var resumed = new GanTrainer(new TrainerOptions
        {
            Spec = spec,
            RunDir = layout.Root,
            Resume = true,
            Models = (s, device) =>
            {
                var (g, d) = GanModels.Create(s, device);
                return (new IgnoresZ(g), d);
            },
            Log = output.WriteLine,
        });
        resumed.Run();
        Assert.NotNull(resumed.StopReason);
        Assert.Equal(2, Read(layout.EventsFile).Count(e => Kind(e) == EventKind.CollapseRollback));
    }
}
