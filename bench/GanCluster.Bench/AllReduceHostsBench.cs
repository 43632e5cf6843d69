using System.Collections.Concurrent;
using System.Globalization;
using GanCluster.Collective;
using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;

namespace GanCluster.Bench;

/// <summary>
/// `allreduce-hosts`: the all-reduce between separate hosts of the multi-host test bed (network namespaces, own
/// addresses and /dev/shm, so TCP only), with every host's link uncapped or capped by tc tbf (both directions): the
/// raw TCP ring between the hosts, our ring (fp32 both ways and one way, bf16, fp16) and PyTorch's Gloo on the same
/// hosts. "% of link bound" compares with the time the link's rate allows for the bytes each host must send
/// (2(n-1)/n of the fp32 payload); uncapped, with the raw TCP ring measured on the same hosts. The 16-bit wire formats
/// send half the bytes, so they can pass 100%. Needs root (skips with the reason otherwise).
/// </summary>
internal static class AllReduceHostsBench
{
    public const string Command = "allreduce-hosts";
    const int DataPort = 5000, GlooPort = 29500, TcpPort = 5100;
    static int _processes;

    sealed record Link(string Name, long BitsPerSecond);

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
            if (args[i].StartsWith("--")) o[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
        long bytes = long.Parse(o.GetValueOrDefault("bytes", "25000000"), CultureInfo.InvariantCulture);
        int iters = int.Parse(o.GetValueOrDefault("iters", "20"), CultureInfo.InvariantCulture);
        int warmup = int.Parse(o.GetValueOrDefault("warmup", "3"), CultureInfo.InvariantCulture);
        int chunk = int.Parse(o.GetValueOrDefault("chunk", (512 * 1024).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var worlds = o.GetValueOrDefault("worlds", "2,3").Split(',').Select(int.Parse).ToArray();
        var links = o.GetValueOrDefault("links", "uncapped,10000,1000").Split(',')
            .Select(l => l == "uncapped" ? new Link("uncapped", 0) : new Link($"{l} Mbit/s", long.Parse(l, CultureInfo.InvariantCulture) * 1_000_000))
            .ToList();
        bool quick = o.ContainsKey("quick"); // bound and fp32 ring only
        var python = o.ContainsKey("no-gloo") || quick ? null : AllReduceBench.FindTorchPython();
        if (Bed.Unavailable is { } why)
        {
            Console.WriteLine($"cross-host all-reduce: skipped: {why}");
            return 0;
        }
        Console.WriteLine($"cross-host all-reduce on the test bed: {bytes} B fp32 payload, {iters} timed iterations after {warmup} warm-up, " +
                          $"chunk {chunk} B, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}" +
                          (python is null && !quick ? "; gloo skipped (no python3 with torch.distributed)" : ""));

        var table = new List<(string Link, AllReduceRow Row, double BoundMs, double? GlooMs)>();
        foreach (int n in worlds)
        {
            using var bed = Bed.Create();
            var hosts = Enumerable.Range(0, n).Select(r => bed.AddHost($"rank-{r}")).ToList();
            foreach (var link in links)
            {
                foreach (var h in hosts)
                {
                    h.RemoveBandwidthLimit();
                    if (link.BitsPerSecond > 0) h.LimitBandwidth(link.BitsPerSecond);
                }
                Console.WriteLine($"{n} hosts, link {link.Name}");
                var rows = new List<AllReduceRow>();
                var oneWay = TcpBound(hosts, bytes, iters, warmup, duplex: false);
                var twoWay = TcpBound(hosts, bytes, iters, warmup, duplex: true);
                var tcp = oneWay.Median <= twoWay.Median ? oneWay : twoWay;
                rows.Add(tcp with { Name = "TCP between the hosts", Note = $"best of one-way ({oneWay.Median:F1} ms) and two-way ({twoWay.Median:F1} ms) sockets" });
                rows.Add(Ring(hosts, bytes, iters, warmup, chunk, WireFormat.Float32, true));
                if (!quick)
                {
                    rows.Add(Ring(hosts, bytes, iters, warmup, chunk, WireFormat.Float32, false));
                    rows.Add(Ring(hosts, bytes, iters, warmup, chunk, WireFormat.BFloat16, true));
                    rows.Add(Ring(hosts, bytes, iters, warmup, chunk, WireFormat.Float16, true));
                }
                if (python is not null && Gloo(python, hosts, bytes, iters, warmup) is { } g) rows.Add(g);
                // The bound: the link's rate for the bytes each host sends, or (uncapped) the raw TCP ring measured here.
                double volumeBits = 2.0 * (n - 1) / n * bytes * 8;
                double boundMs = link.BitsPerSecond > 0 ? volumeBits / link.BitsPerSecond * 1000 : tcp.Median;
                double? glooMs = rows.FirstOrDefault(r => r.Name == AllReduceBench.GlooName)?.Median;
                table.AddRange(rows.Select(r => (link.Name, r, boundMs, glooMs)));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| hosts | link | implementation | ms median | ms min | bus GB/s (median) | % of link bound | vs gloo (ms ratio) | notes |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (link, r, boundMs, glooMs) in table)
        {
            string vsGloo = glooMs is { } gm ? (r.Median / gm).ToString("F2", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(FormattableString.Invariant(
                $"| {r.Procs} | {link} | {r.Name} | {r.Median:F1} | {r.Min:F1} | {r.BusGBs:F2} | {100 * boundMs / r.Median:F0}% | {vsGloo} | {r.Note} |"));
        }
        Console.WriteLine();
        Console.WriteLine("% of link bound: the time the link's rate allows for 2(n-1)/n of the fp32 payload (uncapped: the TCP ring " +
                          "measured on the same hosts) over the median; bf16/fp16 move half the bytes, so they can pass 100%.");
        return 0;
    }

    static AllReduceRow TcpBound(List<BedHost> hosts, long bytes, int iters, int warmup, bool duplex)
    {
        int n = hosts.Count;
        long volume = 2 * (n - 1) * bytes / n;
        var lines = RunOnHosts(hosts, r =>
        [
            HostTcpBound.Command, "--rank", $"{r}", "--bytes", $"{volume}", "--iters", $"{iters}", "--warmup", $"{warmup}",
            "--duplex", duplex ? "true" : "false", "--bind", hosts[r].Address.ToString(), "--port", $"{TcpPort}",
            "--next", $"{hosts[(r + 1) % n].Address}:{TcpPort}",
        ]);
        var perRank = lines.Select((l, r) => (l.FirstOrDefault(x => x.StartsWith("TIMES ")) ??
                                               throw new InvalidOperationException($"tcp rank {r} failed:\n{string.Join('\n', l)}"))[6..]
            .Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()).ToList();
        var slowest = Enumerable.Range(0, iters).Select(i => perRank.Max(t => t[i])).ToList();
        var row = new AllReduceRow(n, duplex ? "TCP two-way" : "TCP one-way", slowest, bytes);
        AllReduceBench.Print(row);
        return row;
    }

    static AllReduceRow Ring(List<BedHost> hosts, long bytes, int iters, int warmup, int chunk, WireFormat wire, bool bidirectional)
    {
        int n = hosts.Count;
        var token = RunToken.New().ToHex();
        string endpoints = string.Join(',', hosts.Select(h => $"{h.Address}:{DataPort}"));
        // Shared memory is offered, as in production: private /dev/shm per host must make every link fall back to TCP.
        var lines = RunOnHosts(hosts, r =>
        [
            AllReduceWorker.Command, "--rank", $"{r}", "--bytes", $"{bytes}", "--iters", $"{iters}", "--warmup", $"{warmup}", "--token", token,
            "--wire", wire.ToString(), "--bidirectional", bidirectional ? "true" : "false", "--chunk", $"{chunk}", "--shm", "true",
            "--bind", hosts[r].Address.ToString(), "--port", $"{DataPort}", "--endpoints", endpoints,
        ]);
        var row = AllReduceBench.RingRow(n, iters, lines, new string[n], AllReduceBench.RingName(wire, bidirectional), bytes, "tcp/tcp");
        AllReduceBench.Print(row);
        return row;
    }

    static AllReduceRow? Gloo(string python, List<BedHost> hosts, long bytes, int iters, int warmup)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "gloo_allreduce.py");
        var lines = RunOnHosts(hosts, r =>
        [
            script, "--world-size", $"{hosts.Count}", "--bytes", $"{bytes}", "--iters", $"{iters}", "--warmup", $"{warmup}", "--per-iteration",
            "--rank", $"{r}", "--master", $"{hosts[0].Address}:{GlooPort}",
        ], python, new Dictionary<string, string> { ["GLOO_SOCKET_IFNAME"] = "eth0" });
        if (AllReduceBench.GlooTimes(string.Join('\n', lines[0])) is not { } ms)
        {
            Console.WriteLine($"gloo: failed: {string.Join(" | ", lines.SelectMany(l => l).TakeLast(3))}");
            return null;
        }
        var row = new AllReduceRow(hosts.Count, AllReduceBench.GlooName, ms, bytes);
        AllReduceBench.Print(row);
        return row;
    }

    /// <summary>Runs one process per rank (rank r on hosts[r]; a host may appear several times), each once, and returns every
    /// rank's output lines.</summary>
    internal static string[][] RunOnHosts(IReadOnlyList<BedHost> hosts, Func<int, string[]> args, string? program = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var (file, prefix) = SelfProcess.Command();
        var outputs = hosts.Select(_ => new ConcurrentQueue<string>()).ToArray();
        var processes = hosts.Select((h, r) => h.Start(new ProcessSpec
        {
            Name = $"bench-{Interlocked.Increment(ref _processes)}",
            Command = program ?? file,
            Args = program is null ? [.. prefix, .. args(r)] : args(r),
            Environment = env ?? new Dictionary<string, string>(),
            Restart = RestartPolicy.Never,
            Output = line => outputs[r].Enqueue(line.Trim()),
        })).ToList();
        if (!Task.WhenAll(processes.Select(p => p.Finished)).Wait(TimeSpan.FromMinutes(5)))
            foreach (var p in processes) p.Signal(PosixSignal.Kill);
        return outputs.Select(q => q.ToArray()).ToArray();
    }
}
