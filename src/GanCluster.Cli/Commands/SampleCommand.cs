using System.CommandLine;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.IO;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Models;
using GanCluster.Training.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster sample`: a grid of images from a checkpoint's generator.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a checkpoint folder, or a run directory (its newest valid checkpoint)", Required = true };
        var count = new Option<int>("--count") { Description = "number of images", DefaultValueFactory = _ => 64 };
        var seed = new Option<long>("--seed") { Description = "latent seed", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", Required = true };
        var command = new Command("sample", "write a grid of generated images from a checkpoint") { checkpoint, count, seed, output };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n is < 1 or > 4096) throw new SpecException("--count", "a number of images from 1 to 4096", n.ToString(), "input");
            string dir = ResolveCheckpoint(parse.GetValue(checkpoint)!);
            var snapshot = TrainerSnapshot.ReadFrom(dir);
            var spec = RunSpecLoader.Parse(snapshot.ReadSpecYaml());
            using var g = SampleGenerator.Load(snapshot, spec, CPU);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var rng = new Generator((ulong)parse.GetValue(seed));
            var images = g.forward(randn(new long[] { n, spec.Model.Nz }, generator: rng));
            string outFile = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            int minSide = spec.Model.Arch == ModelArch.Progressive ? Math.Max(64, spec.Model.Resolution) : 0; // a progressive grid at its final size
            DurableFile.WriteAllBytes(outFile, ImageGrid.ToPng(images, minSide: minSide));
            NodeLog.Info($"wrote {n} samples from {dir} to {outFile}");
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>A checkpoint folder that verifies, or the newest one in a run directory.</summary>
    internal static string ResolveCheckpoint(string path)
    {
        if (!Directory.Exists(path)) throw new SpecException("--checkpoint", "a checkpoint or run directory", $"'{path}' (no such folder)", "input");
        if (File.Exists(Path.Combine(path, CheckpointManifest.FileName)))
        {
            string? problem = CheckpointStore.Verify(path, out _);
            if (problem != null) throw new SpecException("--checkpoint", "a valid checkpoint", $"'{path}' ({problem})", "input");
            return path;
        }
        string checkpoints = Directory.Exists(Path.Combine(path, "checkpoints")) ? Path.Combine(path, "checkpoints") : path;
        var found = new CheckpointStore(checkpoints, int.MaxValue).FindNewestValid(w => NodeLog.Warning("warning: " + w));
        return found?.Path ?? throw new SpecException("--checkpoint", "a folder holding a valid checkpoint", $"'{path}' (none found)", "input");
    }
}
