using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Models;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Cli.Tests;

/// <summary>
/// `gancluster evaluate` on a checkpoint scores the network `gancluster sample` draws: the generator EMA when the
/// run kept one, at the checkpoint's progressive stage. The checkpoint is doctored so that every other choice draws
/// one constant image: its raw generator is all zeros, and the EMA's 4x4 toRGB (the only output layer of the 4x4
/// stage a freshly built generator starts in) is zero, while the checkpoint's stage (8x8, fading in) still shows
/// the EMA's 8x8 output. Only the right network is diverse.
/// </summary>
public class EvaluateCheckpointTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-evaluate-ckpt-").FullName;

    [Fact]
    public void Evaluate_scores_the_EMA_generator_at_the_checkpoints_stage_as_sample_draws_it()
    {
        File.WriteAllText(Path.Combine(_dir, "p.yaml"), """
            threads: 1
            steps: 6
            data: { format: embedded, path: null, limit: 128 }
            model: { arch: progressive, resolution: 8, nz: 8, fmaps: 8 }
            progressive: { fade_images: 32, stable_images: 32, batch_size: { 4: 8, 8: 8 }, g_ema: 0.9 }
            sample_every: 0
            """);
        var train = CliProcess.Run(_dir, "train", "--config", "p.yaml", "--out", "run");
        Assert.True(train.ExitCode == 0, train.ToString());
        Doctor(Path.Combine(_dir, "run", "checkpoints", "step-000006"), Path.Combine(_dir, "doctored"));

        var evaluate = CliProcess.Run(_dir, "evaluate", "--samples", "doctored", "--count", "32", "--reference-count", "100", "--classifier", "none");
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        var json = JsonNode.Parse(evaluate.Stdout.Trim())!;
        Assert.True(json["diversity"]!.GetValue<double>() > 0.05, json.ToJsonString());
        Assert.True(json["duplicate_rate"]!.GetValue<double>() < 0.5, json.ToJsonString());

        var sample = CliProcess.Run(_dir, "sample", "--checkpoint", "doctored", "--count", "4", "--out", "s.png");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        using var grid = SKBitmap.Decode(Path.Combine(_dir, "s.png"));
        var grays = new HashSet<byte>();
        for (int y = 0; y < grid.Height; y++)
            for (int x = 0; x < grid.Width; x++) grays.Add(grid.GetPixel(x, y).Red);
        Assert.True(grays.Count > 10, $"{grays.Count} grey levels: sample drew a constant image"); // constant: the gutter and one grey
    }

    /// <summary>Commits a copy of <paramref name="checkpoint"/> under RUN/checkpoints with G zeroed and the EMA's torgb4 zeroed.</summary>
    static void Doctor(string checkpoint, string run)
    {
        var snapshot = TrainerSnapshot.ReadFrom(checkpoint);
        var spec = RunSpecLoader.Parse(snapshot.ReadSpecYaml());
        var files = snapshot.Files.ToDictionary(f => f.Key, f => f.Value);
        Assert.True(files.ContainsKey(TrainerSnapshot.GeneratorEma), "the run kept no generator EMA");
        files[TrainerSnapshot.Generator] = Zeroed(spec, files[TrainerSnapshot.Generator], _ => true);
        files[TrainerSnapshot.GeneratorEma] = Zeroed(spec, files[TrainerSnapshot.GeneratorEma], name => name.StartsWith("torgb4.", StringComparison.Ordinal));
        CheckpointStore.Verify(checkpoint, out var manifest);
        new CheckpointStore(Path.Combine(run, "checkpoints"), keep: 1).Commit(manifest!.Step, manifest.SpecHash, files, manifest.Info);
    }

    static byte[] Zeroed(RunSpec spec, byte[] weights, Func<string, bool> which)
    {
        using var g = GanModels.CreateGenerator(spec, CPU);
        ModuleState.LoadInPlace(g, weights);
        int zeroed = 0;
        using (no_grad())
            foreach (var (name, parameter) in g.named_parameters())
                if (which(name)) { parameter.zero_(); zeroed++; }
        Assert.True(zeroed > 0, "no parameter matched");
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) g.save(writer);
        return stream.ToArray();
    }
}
