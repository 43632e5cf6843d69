using System.Diagnostics;
using GanCluster.Core.Data;
using GanCluster.Training.Data;

namespace GanCluster.Bench;

/// <summary>
/// `data`: images/s that the trainer's pipeline (FolderImageSource decoding, center-cropping and resizing in
/// BatchLoader's prefetch workers) hands out, on one folder at one resolution. bench/data.sh runs it beside
/// PyTorch's DataLoader with PIL (bench/torch_dataloader.py) on the same files with the same worker count.
/// </summary>
public static class DataBench
{
    public const string Command = "data";

    public static int Run(string[] args)
    {
        string? folder = null;
        int resolution = 256, workers = 2, batch = 16, batches = 20, prefetch = 2;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--folder": folder = args[++i]; break;
                case "--resolution": resolution = int.Parse(args[++i]); break;
                case "--workers": workers = int.Parse(args[++i]); break;
                case "--batch": batch = int.Parse(args[++i]); break;
                case "--batches": batches = int.Parse(args[++i]); break;
                case "--prefetch": prefetch = int.Parse(args[++i]); break;
                default: Console.Error.WriteLine($"data: unknown option {args[i]}"); return 2;
            }
        }
        if (folder == null) { Console.Error.WriteLine("data: --folder is required"); return 2; }

        var source = new FolderImageSource(folder, resolution, channels: 3);
        using var loader = new BatchLoader(source, new ShardedSampler(source.Count, seed: 1, rank: 0, worldSize: 1, batch), workers, prefetch);
        using (loader.Next()) { } // warm-up: JIT, first decode, prefetch queue filled
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
            using (loader.Next()) { }
        double seconds = clock.Elapsed.TotalSeconds;
        // One machine-readable line, like bench/torch_dataloader.py prints.
        Console.WriteLine($"images_per_second {batches * batch / seconds:F1} resolution {resolution} workers {workers} batch {batch} batches {batches}");
        return 0;
    }
}
