using System.Globalization;
using GanCluster.TestBed.Checking;
using GanCluster.TestBed.Cluster;
using GanCluster.TestBed.Nemesis;
using GanCluster.TestBed.Network;

namespace GanCluster.TestBed;

/// <summary>
/// `make nemesis`: coordinator + T trainers on separate bed hosts, a seeded random fault schedule (printed, and
/// replayable with --seed), then the checker's per-fault-kind table. Exit code 0 when every guarantee held.
/// </summary>
public static class NemesisCommand
{
    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        var sets = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return Bad(args[i], "an option such as --seed 7");
            string key = args[i][2..], value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            if (key == "set") sets.Add(value);
            else o[key] = value;
        }
        if (Bed.Unavailable is { } why) { Console.Error.WriteLine($"nemesis: {why}"); return 1; }
        int seed = o.TryGetValue("seed", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next(1, 100_000);
        int faults = int.Parse(o.GetValueOrDefault("faults", "8"), CultureInfo.InvariantCulture);
        int trainers = int.Parse(o.GetValueOrDefault("trainers", "4"), CultureInfo.InvariantCulture);
        long steps = long.Parse(o.GetValueOrDefault("steps", "3000"), CultureInfo.InvariantCulture);
        double maxFault = double.Parse(o.GetValueOrDefault("max-fault-seconds", "60"), CultureInfo.InvariantCulture);
        double timeout = double.Parse(o.GetValueOrDefault("timeout-minutes", "40"), CultureInfo.InvariantCulture);
        if (maxFault is < 1 or > 300) return Bad("--max-fault-seconds", "1 to 300");
        if (trainers < 2) return Bad("--trainers", "at least 2");
        List<FaultKind>? kinds = null;
        if (o.TryGetValue("kinds", out var k))
        {
            kinds = [];
            foreach (var name in k.Split(','))
                if (Enum.TryParse<FaultKind>(name, ignoreCase: true, out var kind)) kinds.Add(kind);
                else return Bad("--kinds", $"a comma-separated list of {string.Join(", ", Enum.GetNames<FaultKind>())}; found '{name}'");
        }
        string run = Path.GetFullPath(o.GetValueOrDefault("out", Path.Combine("runs", $"nemesis-{DateTime.Now:yyyyMMdd-HHmmss}")));
        bool verbose = o.ContainsKey("verbose");

        var schedule = FaultSchedule.Random(seed, faults, trainers, TimeSpan.FromSeconds(maxFault), kinds);
        Console.WriteLine($"nemesis: seed {seed} (replay: make nemesis SEED={seed}), coordinator + {trainers} trainers, {steps} steps, run directory {run}");
        foreach (var line in schedule.Describe()) Console.WriteLine(line);

        using var bed = Bed.Create(new TestBedOptions { LogDirectory = BedCluster.HistoryDirectory(run) });
        Console.WriteLine($"nemesis: bed {bed.Prefix}* (logs in {bed.LogDirectory})");
        using var signal = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; signal.Cancel(); };
        string[] spec =
        [
            "--set", $"steps={steps}", "--set", "batch_size=8", "--set", "data.limit=256", "--set", "model.resolution=16", "--set", "model.nz=8",
            "--set", "model.ngf=8", "--set", "model.ndf=8", "--set", "threads=1", "--set", "sample_every=0", "--set", "log_every=500",
            "--set", "checkpoint.every=200", .. sets.SelectMany(x => new[] { "--set", x }),
        ];
        NemesisRunResult outcome;
        using (var cluster = BedCluster.StartAsync(bed, new BedClusterOptions
               {
                   RunDirectory = run, Trainers = trainers, SpecArgs = spec,
                   LinkBitsPerSecond = (long)(double.Parse(o.GetValueOrDefault("link-mbit", "0"), CultureInfo.InvariantCulture) * 1e6),
                   Output = verbose ? (node, line) => Console.WriteLine($"[{node}] {line}") : null,
               }, signal.Token).GetAwaiter().GetResult())
        {
            var injector = new FaultInjector(new FaultLog(Path.Combine(bed.LogDirectory, RunHistory.FaultLogFile)), cluster.Ports);
            outcome = new NemesisRun(cluster, injector, new NemesisRunOptions { RunTimeout = TimeSpan.FromMinutes(timeout) })
                .RunAsync(schedule, signal.Token).GetAwaiter().GetResult();
        }
        var result = HistoryChecker.Check(RunHistory.Load(run, steps));
        Console.WriteLine();
        Console.WriteLine($"nemesis: seed {seed}: {outcome.Applied.Count} fault(s) applied, {outcome.Skipped.Count} skipped (run over), " +
                          $"run {(outcome.EndedInTime ? "ended" : "did NOT end")} in time");
        foreach (var line in ResultTable.Lines(result)) Console.WriteLine(line);
        return result.Passed ? 0 : 1;
    }

    static int Bad(string field, string expected)
    {
        Console.Error.WriteLine($"nemesis: {field}: expected {expected}");
        return 2;
    }
}
