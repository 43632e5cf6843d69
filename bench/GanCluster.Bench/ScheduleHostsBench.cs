using System.Globalization;
using GanCluster.Collective;
using GanCluster.Core.Scaling;
using GanCluster.TestBed.Network;

namespace GanCluster.Bench;

/// <summary>
/// `allreduce-schedule`: the flat ring vs the hierarchical schedule side by side on the multi-host test bed (network
/// namespaces with own addresses and private /dev/shm), H hosts of L ranks each (one process per rank, each host's ranks
/// consecutive, as the planner orders them), small and large buffers, each host's link uncapped or capped by tc tbf.
/// Every process alternates the two schedules iteration by iteration (<see cref="ScheduleWorker"/>), so both run under the
/// same load. Prints the medians (slowest rank per iteration), the ratio ring / hierarchical (above 1: hierarchical is
/// faster) and the alpha-beta model's ratio for the same shape. Needs root (skips with the reason otherwise).
/// </summary>
internal static class ScheduleHostsBench
{
    public const string Command = "allreduce-schedule";
    const int DataPort = 5200;

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
            if (args[i].StartsWith("--")) o[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
        var layouts = o.GetValueOrDefault("layouts", "2x2,2x4,4x2,4x4").Split(',')
            .Select(l => l.Split('x').Select(int.Parse).ToArray()).Select(a => (Hosts: a[0], PerHost: a[1])).ToList();
        var sizes = o.GetValueOrDefault("sizes", "4096,4194304").Split(',').Select(long.Parse).ToArray();
        // "uncapped" or a cap in Mbit/s (tc tbf). An added delay (tc netem) would stand in for a slower network hop, but this
        // machine's kernel has no netem.
        var links = o.GetValueOrDefault("links", "uncapped,1000").Split(',').ToList();
        int iters = int.Parse(o.GetValueOrDefault("iters", "30"), CultureInfo.InvariantCulture);
        int warmup = int.Parse(o.GetValueOrDefault("warmup", "3"), CultureInfo.InvariantCulture);
        int chunk = int.Parse(o.GetValueOrDefault("chunk", (512 * 1024).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        // The model's links, as docs/scaling.md prices them: a network hop of 30 us, shared memory at 7.4 GB/s and 5 us.
        double alphaUs = double.Parse(o.GetValueOrDefault("alpha-us", "30"), CultureInfo.InvariantCulture);
        double shmAlphaUs = double.Parse(o.GetValueOrDefault("shm-alpha-us", "5"), CultureInfo.InvariantCulture);
        if (Bed.Unavailable is { } why)
        {
            Console.WriteLine($"schedule comparison: skipped: {why}");
            return 0;
        }
        Console.WriteLine($"flat ring vs hierarchical on the test bed: sizes {string.Join(", ", sizes)} B fp32, {iters} timed iterations " +
                          $"after {warmup} warm-up, chunk {chunk} B, {Environment.ProcessorCount} CPUs, load average " +
                          File.ReadAllText("/proc/loadavg").Split(' ')[0]);
        var table = new List<string>();
        foreach (var (hosts, perHost) in layouts)
        {
            using var bed = Bed.Create();
            var bedHosts = Enumerable.Range(0, hosts).Select(h => bed.AddHost($"host-{h}")).ToList();
            var rankHosts = Enumerable.Range(0, hosts * perHost).Select(r => bedHosts[r / perHost]).ToList();
            var endpoints = string.Join(',', Enumerable.Range(0, hosts * perHost).Select(r => $"{rankHosts[r].Address}:{DataPort + r % perHost}"));
            foreach (var linkSpec in links)
            {
                long mbit = linkSpec == "uncapped" ? 0 : long.Parse(linkSpec, CultureInfo.InvariantCulture);
                foreach (var h in bedHosts)
                {
                    h.RemoveBandwidthLimit();
                    if (mbit > 0) h.LimitBandwidth(mbit * 1_000_000);
                }
                string link = mbit > 0 ? $"{mbit} Mbit/s" : "uncapped";
                var token = RunToken.New().ToHex();
                var lines = AllReduceHostsBench.RunOnHosts(rankHosts, r =>
                [
                    ScheduleWorker.Command, "--rank", $"{r}", "--sizes", string.Join(',', sizes), "--iters", $"{iters}", "--warmup", $"{warmup}",
                    "--token", token, "--chunk", $"{chunk}", "--bind", rankHosts[r].Address.ToString(), "--port", $"{DataPort + r % perHost}",
                    "--endpoints", endpoints,
                ]);
                Console.WriteLine($"{hosts} hosts x {perHost} ranks, link {link}: " +
                                  string.Join("; ", lines[0].Where(l => l.StartsWith("TRANSPORT ")).Select(l => l[10..])));
                var network = LinkCost.Of(alphaUs, mbit > 0 ? mbit : 10_000);
                var shm = LinkCost.Of(shmAlphaUs, 59_200);
                foreach (long bytes in sizes)
                {
                    double ring = Median(lines, "ring", bytes), hier = Median(lines, "hierarchical", bytes);
                    bool same = SameBits(lines, "hierarchical", bytes);
                    double model = AllReduceCostModel.Ring(hosts * perHost, bytes, network).TotalSeconds /
                                   AllReduceCostModel.Hierarchical(hosts, perHost, bytes, network, shm).TotalSeconds;
                    var row = FormattableString.Invariant(
                        $"| {hosts} x {perHost} | {link} | {bytes} | {ring:F2} | {hier:F2} | {ring / hier:F2} | {model:F2} | {(same ? "yes" : "NO")} |");
                    Console.WriteLine(row);
                    table.Add(row);
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| hosts x ranks | link | bytes | ring ms (median) | hierarchical ms (median) | ring / hierarchical | model ratio | identical bits |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in table) Console.WriteLine(row);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio above 1: the hierarchical schedule is faster. Model: alpha-beta (AllReduceCostModel) with {alphaUs} us per network step, " +
            $"the link's cap (uncapped: 10 Gbit/s) and {shmAlphaUs} us per shared-memory step at 7.4 GB/s; computation left out."));
        return 0;
    }

    /// <summary>The median over iterations of the slowest rank's time.</summary>
    static double Median(string[][] lines, string schedule, long bytes)
    {
        string prefix = FormattableString.Invariant($"TIMES {schedule} {bytes} ");
        var perRank = lines.Select((l, r) => (l.FirstOrDefault(x => x.StartsWith(prefix, StringComparison.Ordinal))
                                              ?? throw new InvalidOperationException($"rank {r} failed:\n{string.Join('\n', l.TakeLast(20))}"))[prefix.Length..]
            .Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()).ToList();
        var slowest = Enumerable.Range(0, perRank[0].Length).Select(i => perRank.Max(t => t[i])).Order().ToArray();
        return slowest[slowest.Length / 2];
    }

    static bool SameBits(string[][] lines, string schedule, long bytes)
    {
        string prefix = FormattableString.Invariant($"HASH {schedule} {bytes} ");
        return lines.Select(l => l.FirstOrDefault(x => x.StartsWith(prefix, StringComparison.Ordinal))).Distinct().Count() == 1 && lines[0].Any(x => x.StartsWith(prefix, StringComparison.Ordinal));
    }
}
