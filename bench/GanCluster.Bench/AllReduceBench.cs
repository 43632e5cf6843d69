using System.Diagnostics;
using System.Globalization;
using GanCluster.Collective;

namespace GanCluster.Bench;

/// <summary>
/// `allreduce`: ms per all-reduce and bus bandwidth (2(n-1)/n·S/t) of the ring between n local processes, side by
/// side with PyTorch's Gloo (bench/gloo_allreduce.py, if python3-torch is installed) and the raw loopback TCP bound,
/// for fp32 and the 16-bit wire formats (with their error against the exact sum). Times are per iteration, the
/// slowest rank's, after a barrier; the table shows the median and the minimum.
/// </summary>
internal static class AllReduceBench
{
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
        bool quick = o.ContainsKey("quick"); // tuning loop: bound and fp32 ring only
        bool gloo = !o.ContainsKey("no-gloo") && !quick;
        int rounds = int.Parse(o.GetValueOrDefault("rounds", quick ? "1" : "3"), CultureInfo.InvariantCulture);

        Console.WriteLine($"all-reduce benchmark: {bytes} B fp32 payload ({bytes / 4} floats), {iters} timed iterations after {warmup} warm-up, " +
                          $"chunk {chunk} B, {rounds} interleaved rounds, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, " +
                          $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        var python = gloo ? FindTorchPython() : null;
        if (gloo && python is null)
            Console.WriteLine("gloo: skipped (no python3 with torch.distributed; `make bench-allreduce` installs python3-torch via apt)");

        // This machine is shared, so load drifts: the bound, our fp32 ring and Gloo run interleaved in rounds and each
        // row pools the iterations of all rounds. The variants (one direction, bf16, fp16) run once per world.
        var rows = new List<AllReduceRow>();
        foreach (int n in worlds)
        {
            AllReduceRow? oneWay = null, twoWay = null, ring = null, shm = null, glooRow = null;
            for (int round = 0; round < rounds; round++)
            {
                Console.WriteLine($"world of {n}, round {round + 1} of {rounds}");
                oneWay = Merge(oneWay, Bound(n, bytes, iters, warmup, false));
                twoWay = Merge(twoWay, Bound(n, bytes, iters, warmup, true));
                ring = Merge(ring, Ring(n, bytes, iters, warmup, chunk, WireFormat.Float32, true));
                shm = Merge(shm, Ring(n, bytes, iters, warmup, chunk, WireFormat.Float32, true, sharedMemory: true));
                if (python is not null && Gloo(python, n, bytes, iters, warmup) is { } g) glooRow = Merge(glooRow, g);
            }
            var best = oneWay!.Median <= twoWay!.Median ? oneWay : twoWay;
            rows.Add(best with { Name = "loopback TCP bound", Note = $"best of one-way ({oneWay.Median:F1} ms) and two-way ({twoWay.Median:F1} ms) sockets" });
            rows.Add(ring!);
            rows.Add(shm!);
            if (glooRow is not null) rows.Add(glooRow);
            if (quick) continue;
            rows.Add(Ring(n, bytes, iters, warmup, chunk, WireFormat.Float32, false));
            Print(rows[^1]);
            rows.Add(Ring(n, bytes, iters, warmup, chunk, WireFormat.BFloat16, true));
            Print(rows[^1]);
            rows.Add(Ring(n, bytes, iters, warmup, chunk, WireFormat.Float16, true));
            Print(rows[^1]);
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| procs | implementation | ms median | ms min | bus GB/s (median) | % of loopback bound | CPU ms per op (data-plane threads, all procs) | notes |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var bound = rows.First(b => b.Procs == r.Procs && b.Name.StartsWith("loopback"));
            Console.WriteLine(FormattableString.Invariant(
                $"| {r.Procs} | {r.Name} | {r.Median:F1} | {r.Min:F1} | {r.BusGBs:F2} | {100 * r.BusGBs / bound.BusGBs:F0}% | {(double.IsNaN(r.CpuMs) ? "-" : r.CpuMs.ToString("F1"))} | {r.Note} |"));
        }
        var tcp2 = rows.FirstOrDefault(r => r.Procs == 2 && r.Name == RingName(WireFormat.Float32, true));
        var shm2 = rows.FirstOrDefault(r => r.Procs == 2 && r.Name == RingName(WireFormat.Float32, true, true));
        var gloo2 = rows.FirstOrDefault(r => r.Procs == 2 && r.Name.StartsWith("gloo"));
        Console.WriteLine();
        Console.WriteLine(tcp2 is not null && shm2 is not null && gloo2 is not null
            ? FormattableString.Invariant(
                $"ratio ours/gloo (2 processes, fp32, median ms): {shm2.Median / gloo2.Median:F2} (shared memory, the same-host default), {tcp2.Median / gloo2.Median:F2} (TCP)")
            : "ratio ours/gloo (2 processes): n/a (gloo skipped)");
        return 0;
    }

    /// <summary>Pools the iterations of two rounds (CPU per op averaged).</summary>
    internal static AllReduceRow Merge(AllReduceRow? a, AllReduceRow b)
    {
        Print(b);
        return a is null ? b : a with { Ms = [.. a.Ms, .. b.Ms], CpuMs = (a.CpuMs * a.Ms.Count + b.CpuMs * b.Ms.Count) / (a.Ms.Count + b.Ms.Count) };
    }

    internal static void Print(AllReduceRow r) =>
        Console.WriteLine(FormattableString.Invariant(
            $"  {r.Procs} procs  {r.Name,-36} median {r.Median,7:F1} ms  min {r.Min,7:F1} ms  busbw {r.BusGBs,5:F2} GB/s  cpu {r.CpuMs,6:F1} ms/op  {r.Note}"));

    static AllReduceRow Bound(int n, long bytes, int iters, int warmup, bool duplex)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var ms = LoopbackBound.Measure(n, bytes, iters, warmup, duplex);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / (iters + warmup);
        return new AllReduceRow(n, duplex ? "loopback TCP, two-way sockets" : "loopback TCP, one-way sockets", ms, bytes, CpuMs: cpu);
    }

    internal static string RingName(WireFormat wire, bool bidirectional, bool sharedMemory = false) =>
        $"gancluster ring {wire switch { WireFormat.BFloat16 => "bf16", WireFormat.Float16 => "fp16", _ => "fp32" }} " +
        $"{(sharedMemory ? "shared memory" : "TCP")}{(bidirectional ? "" : " (one direction)")}";

    static AllReduceRow Ring(int n, long bytes, int iters, int warmup, int chunk, WireFormat wire, bool bidirectional, bool sharedMemory = false)
    {
        var token = RunToken.New().ToHex();
        var procs = new Process[n];
        for (int r = 0; r < n; r++)
        {
            procs[r] = Process.Start(SelfProcess.StartInfo([AllReduceWorker.Command, "--rank", r.ToString(), "--bytes", bytes.ToString(),
                "--iters", iters.ToString(), "--warmup", warmup.ToString(), "--token", token, "--wire", wire.ToString(),
                "--bidirectional", bidirectional ? "true" : "false", "--chunk", chunk.ToString(), "--shm", sharedMemory ? "true" : "false"]))!;
        }
        var errTasks = procs.Select(p => p.StandardError.ReadToEndAsync()).ToArray();
        var ports = procs.Select(p => p.StandardOutput.ReadLine()!.Split(' ')[1]).ToArray();
        var endpoints = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
        foreach (var p in procs)
        {
            p.StandardInput.WriteLine(endpoints);
            p.StandardInput.Flush();
        }
        var outputs = procs.Select(p => p.StandardOutput.ReadToEndAsync()).ToArray();
        foreach (var p in procs)
            if (!p.WaitForExit(TimeSpan.FromMinutes(5))) p.Kill(true);
        var lines = outputs.Select(t => t.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        return RingRow(n, iters, lines, errTasks.Select(t => t.Result).ToArray(), RingName(wire, bidirectional, sharedMemory), bytes,
            sharedMemory ? "shm/shm" : "tcp/tcp");
    }

    /// <summary>The row of one ring run from its ranks' output lines (TIMES, CPU, TRANSPORT, and rank 0's ERROR).</summary>
    internal static AllReduceRow RingRow(int n, int iters, string[][] lines, string[] errors, string name, long bytes, string expectedTransport)
    {
        var perRank = new List<double[]>();
        for (int r = 0; r < n; r++)
        {
            var times = lines[r].FirstOrDefault(l => l.StartsWith("TIMES "))
                        ?? throw new InvalidOperationException($"rank {r} failed:\n{string.Join('\n', lines[r])}\n{errors[r]}");
            perRank.Add(times[6..].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        }
        var slowest = Enumerable.Range(0, iters).Select(i => perRank.Max(t => t[i])).ToList();
        var err = lines[0].FirstOrDefault(l => l.StartsWith("ERROR "))?.Split(' ');
        var note = err is null ? "" : $"error vs exact sum: max {err[1]}, mean {err[2]} (per element, relative to Σ|x|), L2 {err[3]}";
        double cpu = lines.Sum(l => double.Parse(l.First(x => x.StartsWith("CPU "))[4..], CultureInfo.InvariantCulture));
        var transport = lines[0].FirstOrDefault(l => l.StartsWith("TRANSPORT "))?[10..];
        if (transport != expectedTransport) note = $"transport {transport}! " + note;
        return new AllReduceRow(n, name, slowest, bytes, note, cpu);
    }

    internal static string? FindTorchPython()
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var psi = new ProcessStartInfo(python, ["-c", "import torch.distributed as d; assert d.is_gloo_available()"])
                    { RedirectStandardError = true, RedirectStandardOutput = true };
                using var p = Process.Start(psi)!;
                p.WaitForExit(60_000);
                if (p.ExitCode == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    static AllReduceRow? Gloo(string python, int n, long bytes, int iters, int warmup)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "gloo_allreduce.py");
        var psi = new ProcessStartInfo(python, [script, "--world-size", n.ToString(), "--bytes", bytes.ToString(), "--iters", iters.ToString(),
            "--warmup", warmup.ToString(), "--per-iteration"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || GlooTimes(output) is not { } ms)
        {
            Console.WriteLine($"gloo: failed (exit {p.ExitCode}): {err.Result.Split('\n').LastOrDefault(l => l.Length > 0)}");
            return null;
        }
        return new AllReduceRow(n, GlooName, ms, bytes);
    }

    internal const string GlooName = "gloo (PyTorch 1.13, python3-torch)";

    /// <summary>The per-iteration times rank 0 of bench/gloo_allreduce.py printed (GLOO_TIMES), or null.</summary>
    internal static List<double>? GlooTimes(string output) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith("GLOO_TIMES ")) is { } line
            ? line[11..].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList()
            : null;
}
