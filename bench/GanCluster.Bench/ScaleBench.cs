using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GanCluster.Bench;

/// <summary>
/// `scale`: images/s of `gancluster local --workers 1` vs `--workers 2` (one torch thread per trainer, DCGAN-32,
/// per-rank batch 64, embedded MNIST), measured from the runs' own metrics.jsonl over the steady part (steps after
/// the first 20). Each rank does the same compute per step in both runs, so with a free core per trainer
/// 1 - (1-worker step time / 2-worker step time) is the share of the 2-worker step spent outside compute
/// (all-reduce, waiting for the slower rank, orchestration). Runs alternate (1, 2, 1, 2, ...) so both see the
/// same machine load; the medians are reported.
/// </summary>
public static class ScaleBench
{
    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 2), steps = Option(args, "--steps", 120);
        string cli = Path.GetFullPath(Option(args, "--cli", "./gancluster"));
        if (!File.Exists(cli)) { Console.Error.WriteLine($"scale: --cli: expected the gancluster launcher, found nothing at {cli}"); return 2; }
        Console.WriteLine($"scale bench: DCGAN-32, batch 64 per rank, 1 torch thread per trainer, {steps} steps, {rounds} round(s), {Environment.ProcessorCount} cores");
        var results = new Dictionary<int, List<(double ImagesPerS, double MsPerStep)>> { [1] = [], [2] = [] };
        for (int r = 0; r < rounds; r++)
            foreach (int workers in new[] { 1, 2 })
            {
                var m = Measure(cli, workers, steps);
                results[workers].Add(m);
                Console.WriteLine($"  round {r + 1}, {workers} worker(s): {m.ImagesPerS:F0} img/s, {m.MsPerStep:F1} ms/step");
            }
        double img1 = Median(results[1].Select(x => x.ImagesPerS)), img2 = Median(results[2].Select(x => x.ImagesPerS));
        double ms1 = Median(results[1].Select(x => x.MsPerStep)), ms2 = Median(results[2].Select(x => x.MsPerStep));
        Console.WriteLine($"median: 1 worker {img1:F0} img/s ({ms1:F1} ms/step), 2 workers {img2:F0} img/s ({ms2:F1} ms/step)");
        Console.WriteLine($"speed-up 2 vs 1 worker = {img2 / img1:F2} (ideal 2.00); share of the 2-worker step outside compute ~ {Math.Max(0, 1 - ms1 / ms2):P0}");
        return 0;
    }

    static (double ImagesPerS, double MsPerStep) Measure(string cli, int workers, int steps)
    {
        string dir = Directory.CreateTempSubdirectory("bench-scale-").FullName;
        try
        {
            var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "local", "--workers", workers.ToString(), "--out", Path.Combine(dir, "run"),
                         "--set", $"steps={steps}", "--set", "threads=1", "--set", "sample_every=0", "--set", "log_every=1000",
                         "--set", "checkpoint.every=0", "--set", "collapse.enabled=false" })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync();
            string err = p.StandardError.ReadToEndAsync().Result;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"local --workers {workers} exited with {p.ExitCode}: {err}");
            var rows = File.ReadLines(Path.Combine(dir, "run", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
            var first = rows.First(r => (long)r["step"]! == 20);
            var last = rows[^1];
            double seconds = (double)last["time"]! - (double)first["time"]!;
            double images = (long)last["images"]! - (long)first["images"]!;
            long stepCount = (long)last["step"]! - (long)first["step"]!;
            return (images / seconds, 1000 * seconds / stepCount);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }

    static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
