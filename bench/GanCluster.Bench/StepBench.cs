using System.Diagnostics;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanCluster.Bench;

/// <summary>
/// `step`: the trainer's step (GanTrainer: DCGAN-32, batch 64, 1 channel) against a bare TorchSharp loop of the same
/// model and data in the same process, interleaved in rounds so both see the same machine load; prints ms/step of
/// each and the ratio (target <= 1.05). Then the memory check: resident set size after 500 steps vs after 50
/// (target within 5%: no tensor leaks).
/// </summary>
public static class StepBench
{
    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 3), steps = Option(args, "--steps", 30), memorySteps = Option(args, "--memory-steps", 500);
        int threads = Option(args, "--threads", 0);
        if (threads > 0) set_num_threads(threads);
        var spec = RunSpecLoader.Parse("""
            seed: 1
            batch_size: 64
            model: { arch: dcgan, resolution: 32, channels: 1, nz: 100, ngf: 64, ndf: 64 }
            sample_every: 0
            checkpoint: { every: 0, keep: 1 }
            collapse: { enabled: false }
            """, [$"steps={steps}"]);
        Console.WriteLine($"step bench: DCGAN-32, batch 64, {get_num_threads()} torch thread(s), {rounds} rounds x {steps} steps (first 5 of each discarded)");
        var trainer = new List<double>();
        var bare = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            trainer.Add(TrainerMsPerStep(spec));
            bare.Add(BareMsPerStep(spec, steps));
            Console.WriteLine($"  round {r + 1}: trainer {trainer[^1]:F1} ms/step, bare loop {bare[^1]:F1} ms/step");
        }
        double t = Median(trainer), b = Median(bare);
        Console.WriteLine($"median: trainer {t:F1} ms/step, bare loop {b:F1} ms/step");
        Console.WriteLine($"step ratio trainer/bare = {t / b:F3} (target <= 1.05)");

        var (rss50, rss500) = Memory(RunSpecLoader.Parse(SpecEmitter.ToYaml(spec), [$"steps={memorySteps}"]), memorySteps);
        Console.WriteLine($"memory: RSS {rss50 / 1e6:F1} MB after 50 steps, {rss500 / 1e6:F1} MB after {memorySteps}: ratio {rss500 / rss50:F3} (target <= 1.05)");
        return 0;
    }

    static double TrainerMsPerStep(RunSpec spec)
    {
        string dir = Directory.CreateTempSubdirectory("bench-step-").FullName;
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        using (var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir }))
        {
            trainer.StepCompleted += _ => { times.Add(clock.Elapsed.TotalMilliseconds); clock.Restart(); };
            clock.Restart();
            trainer.Run();
        }
        Directory.Delete(dir, recursive: true);
        return Median(times.Skip(5).ToList());
    }

    /// <summary>pytorch/examples dcgan's loop, written directly against TorchSharp.</summary>
    static double BareMsPerStep(RunSpec spec, int steps)
    {
        var data = ImageSources.Open(spec.Data, spec.Model);
        var (g, d) = GanModels.Create(spec, CPU);
        using var optG = new SafeAdam(g.parameters(), 2e-4, 0.5, 0.999);
        using var optD = new SafeAdam(d.parameters(), 2e-4, 0.5, 0.999);
        var pixels = new float[64 * data.PixelsPerImage];
        var rng = new Random(1);
        var times = new List<double>();
        for (int s = 0; s < steps; s++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                for (int i = 0; i < 64; i++) data.Read(rng.Next(data.Count), pixels.AsSpan(i * data.PixelsPerImage, data.PixelsPerImage));
                var real = tensor(pixels, new long[] { 64, 1, 32, 32 });
                var fake = g.forward(randn(64, spec.Model.Nz));
                d.zero_grad();
                var outReal = d.forward(real);
                var outFake = d.forward(fake.detach());
                var errD = binary_cross_entropy_with_logits(outReal, ones_like(outReal)) + binary_cross_entropy_with_logits(outFake, zeros_like(outFake));
                errD.backward();
                optD.step();
                g.zero_grad();
                var outG = d.forward(fake);
                var errG = binary_cross_entropy_with_logits(outG, ones_like(outG));
                errG.backward();
                optG.step();
                _ = errD.item<float>() + errG.item<float>(); // the trainer also reads its statistics every step
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        g.Dispose();
        d.Dispose();
        return Median(times.Skip(5).ToList());
    }

    static (double At50, double AtEnd) Memory(RunSpec spec, int steps)
    {
        string dir = Directory.CreateTempSubdirectory("bench-memory-").FullName;
        double at50 = 0, atEnd = 0;
        using (var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir }))
        {
            trainer.StepCompleted += report =>
            {
                if (report.Stats.Step != 50 && report.Stats.Step != steps) return;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                using var self = Process.GetCurrentProcess();
                if (report.Stats.Step == 50) at50 = self.WorkingSet64;
                else atEnd = self.WorkingSet64;
            };
            trainer.Run();
        }
        Directory.Delete(dir, recursive: true);
        return (at50, atEnd);
    }

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }
}
