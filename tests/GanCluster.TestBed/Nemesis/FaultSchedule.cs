namespace GanCluster.TestBed.Nemesis;

/// <summary>
/// A list of faults to apply one after the other. <see cref="Random"/> draws one from a seed (the same seed gives the
/// same schedule, so a failing run can be replayed): kinds uniformly, targets a quarter the coordinator, a quarter
/// the oldest trainer, half a trainer by name; durations log-uniform from 1 s to the maximum (short faults are
/// common, long ones rare); bandwidth caps of 1, 10 or 100 Mbit/s.
/// </summary>
public sealed record FaultSchedule(IReadOnlyList<PlannedFault> Faults, int? Seed = null)
{
    public static readonly long[] CapRates = [1_000_000, 10_000_000, 100_000_000];

    public static FaultSchedule Random(int seed, int count, int trainers, TimeSpan maxDuration, IReadOnlyList<FaultKind>? kinds = null)
    {
        if (maxDuration < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(maxDuration), "at least 1 s");
        var rng = new Random(seed);
        kinds ??= Enum.GetValues<FaultKind>();
        var faults = new List<PlannedFault>();
        for (int i = 0; i < count; i++)
        {
            var kind = kinds[rng.Next(kinds.Count)];
            int roll = rng.Next(4);
            string target = roll == 0 ? "coordinator" : roll == 1 ? PlannedFault.OldestTrainer : $"trainer-{rng.Next(trainers)}";
            // The coordinator has no data plane: a data-plane partition always hits a trainer.
            if (kind == FaultKind.DataPlanePartition && target == "coordinator") target = PlannedFault.OldestTrainer;
            double seconds = Math.Exp(rng.NextDouble() * Math.Log(maxDuration.TotalSeconds)); // 1 s .. max, log-uniform
            var duration = kind == FaultKind.Kill ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Round(seconds, 1));
            var gap = TimeSpan.FromSeconds(3 + rng.Next(10));
            long rate = kind == FaultKind.BandwidthCap ? CapRates[rng.Next(CapRates.Length)] : 0;
            faults.Add(new PlannedFault(kind, target, duration, gap, BandwidthBitsPerSecond: rate));
        }
        return new FaultSchedule(faults, seed);
    }

    public IEnumerable<string> Describe() => Faults.Select((f, i) => $"{i + 1,3}. {f}");
}
