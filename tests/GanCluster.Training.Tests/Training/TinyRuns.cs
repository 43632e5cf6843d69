using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Checkpointing;

namespace GanCluster.Training.Tests.Training;

/// <summary>Tiny runs on the embedded MNIST: small models, few steps, one CPU thread (the CI box has two shared cores).</summary>
public static class TinyRuns
{
    /// <summary>4x4 stable 4 steps; 8x8 fade-in 8 steps (5-12), stable 8 (13-20); 16x16 fade-in 8 (21-28), stable 8 (29-36).</summary>
    public const string Progressive = """
        seed: 7
        threads: 1
        batch_size: 8
        data: { format: embedded, path: null, limit: 256 }
        model: { arch: progressive, resolution: 16, channels: 1, nz: 8, fmaps: 8 }
        optim: { lr_g: 1.0e-3, lr_d: 1.0e-3, beta1: 0.0, beta2: 0.99 }
        progressive: { start_resolution: 4, fade_images: 64, stable_images: 64, batch_size: { 4: 16 }, g_ema: 0.9 }
        sample_every: 0
        log_every: 100
        checkpoint: { every: 0, keep: 5 }
        """;

    public const string Dcgan = """
        seed: 5
        threads: 1
        steps: 12
        batch_size: 8
        data: { format: embedded, path: null, limit: 256 }
        model: { arch: dcgan, resolution: 8, channels: 1, nz: 8, ngf: 4, ndf: 4 }
        sample_every: 0
        log_every: 100
        checkpoint: { every: 0, keep: 5 }
        """;

    /// <summary>
    /// ttur (lr_g 1e-4, lr_d 4e-4), skip-d with a threshold above any hinge or ra-hinge loss (D skipped twice, updated
    /// once, ...) and plateau on loss_d; appended to a spec.
    /// </summary>
    public const string Policies = """

        policy:
          - { kind: ttur, lr_g: 1.0e-4, lr_d: 4.0e-4 }
          - { kind: skip-d, threshold: 10.0, max_consecutive: 2 }
          - { kind: plateau, metric: loss_d, mode: max, factor: 0.5, patience: 3, smoothing: 0, min_lr: 1.0e-5 }
        """;

    public const string Hinge = "\nloss: hinge\n";

    public static string NewDir() => Directory.CreateTempSubdirectory("gancluster-train-").FullName;

    public static RunSpec Spec(string yaml, params string[] overrides) => RunSpecLoader.Parse(yaml, overrides);

    /// <summary>Trains in <paramref name="dir"/>; returns the replica hash after each step listed in <paramref name="hashAt"/>.</summary>
    public static (TrainState State, Dictionary<long, string> Hashes, string PlanJson) Train(string dir, RunSpec spec, bool resume = false,
        params long[] hashAt)
    {
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir, Resume = resume, SampleCount = 4 });
        var hashes = new Dictionary<long, string>();
        trainer.StepCompleted += r =>
        {
            if (hashAt.Contains(r.Stats.Step)) hashes[r.Stats.Step] = trainer.Snapshot().Hash();
        };
        var state = trainer.Run();
        return (state, hashes, trainer.Plan.ToJson());
    }

    /// <summary>metrics.jsonl without the wall-clock columns.</summary>
    public static List<string> Metrics(string dir) =>
        JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile).Select(Strip("time", "images_per_s", "data_wait_seconds")).ToList();

    /// <summary>events.jsonl without times and without the run's own start/stop/checkpoint bookkeeping.</summary>
    public static List<string> Events(string dir) =>
        JsonlWriter.ReadAll(new RunLayout(dir).EventsFile)
            .Where(e => e["kind"]!.GetValue<string>() is not (EventKind.RunStarted or EventKind.RunResumed or EventKind.RunFinished
                or EventKind.RunInterrupted or EventKind.CheckpointCommitted))
            .Select(Strip("time")).ToList();

    static Func<JsonObject, string> Strip(params string[] keys) => row =>
    {
        var copy = (JsonObject)row.DeepClone();
        foreach (var k in keys) copy.Remove(k);
        return copy.ToJsonString();
    };
}
