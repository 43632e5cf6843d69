using System.CommandLine;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.IO;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;
using GanCluster.Training.Sampling;
using static TorchSharp.torch;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster sample`: a grid of images from a checkpoint's generator (<see cref="CheckpointGenerator"/>).</summary>
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
            string dir = CheckpointLocator.Resolve(parse.GetValue(checkpoint)!, warn: w => NodeLog.Warning("warning: " + w));
            using var generator = CheckpointGenerator.Load(dir, CPU);
            byte[] png = generator.GridPng(n, parse.GetValue(seed));
            string outFile = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            DurableFile.WriteAllBytes(outFile, png);
            NodeLog.Info($"wrote {n} samples from {dir} to {outFile}");
            return CliApp.Ok;
        });
        return command;
    }
}
