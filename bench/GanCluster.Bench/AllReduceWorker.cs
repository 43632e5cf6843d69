using System.Diagnostics;
using System.Globalization;
using System.Net;
using GanCluster.Collective;
using GanCluster.Core.Data;

namespace GanCluster.Bench;

/// <summary>
/// One rank of the all-reduce benchmark (a child process). Prints "PORT p", reads the endpoints line (or takes
/// --endpoints), then runs
/// warm-up and timed all-reduces, each after a 1-float all-reduce as a barrier (as Gloo's bench does with
/// dist.barrier), and prints "TIMES ms,ms,..." and, on rank 0, "ERROR max mean l2" against the exact sum.
/// </summary>
internal static class AllReduceWorker
{
    public const string Command = "allreduce-worker";

    public static float Input(int rank, int i) =>
        (float)(new SplitMix64(SplitMix64.Mix((ulong)rank + 1, (ulong)i)).NextDouble() * 2 - 1);

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
        int rank = int.Parse(o["rank"], CultureInfo.InvariantCulture);
        int count = (int)(long.Parse(o["bytes"], CultureInfo.InvariantCulture) / 4);
        int iters = int.Parse(o["iters"], CultureInfo.InvariantCulture);
        int warmup = int.Parse(o["warmup"], CultureInfo.InvariantCulture);
        var token = RunToken.Parse(o["token"]);
        var options = new RingOptions
        {
            Wire = Enum.Parse<WireFormat>(o["wire"]),
            Bidirectional = o["bidirectional"] == "true",
            ChunkBytes = int.Parse(o["chunk"], CultureInfo.InvariantCulture),
            SharedMemory = o["shm"] == "true",
        };

        // On the bed's hosts (cross-host mode) each rank binds its host's address and port, and the endpoints are known
        // in advance; locally it binds any loopback port and the driver sends the endpoints line once all are bound.
        var bind = IPAddress.Parse(o.GetValueOrDefault("bind", "127.0.0.1"));
        using var listener = DataPlaneListener.Start(token, new IPEndPoint(bind, int.Parse(o.GetValueOrDefault("port", "0"), CultureInfo.InvariantCulture)));
        Console.WriteLine($"PORT {listener.Port}");
        var world = new WorldDescriptor(1, token, (o.GetValueOrDefault("endpoints") ?? Console.ReadLine()!).Trim().Split(','));
        using var ring = RingCollective.ConnectAsync(world, rank, listener, options).GetAwaiter().GetResult();
        Console.WriteLine($"TRANSPORT {ring.Transport}");

        var pristine = new float[count];
        for (int i = 0; i < count; i++) pristine[i] = Input(rank, i);
        var data = GC.AllocateUninitializedArray<float>(count, pinned: true);
        var barrier = new float[1];
        var times = new List<double>();
        TimeSpan cpu0 = TimeSpan.Zero;
        for (int it = 0; it < warmup + iters; it++)
        {
            if (it == warmup) cpu0 = RingThreadsCpu();
            pristine.CopyTo(data, 0);
            ring.AllReduceSum(barrier);
            long t0 = Stopwatch.GetTimestamp();
            ring.AllReduceSum(data);
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (it >= warmup) times.Add(ms);
        }
        var cpu = RingThreadsCpu() - cpu0;
        Console.WriteLine("TIMES " + string.Join(',', times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture))));
        Console.WriteLine(FormattableString.Invariant($"CPU {cpu.TotalMilliseconds / iters:F2}"));

        if (rank == 0)
        {
            // data holds the last result (from pristine inputs); compare with the exact sum in double.
            double max = 0, sumRel = 0, errSq = 0, refSq = 0;
            for (int i = 0; i < count; i++)
            {
                double exact = 0, magnitude = 0;
                for (int r = 0; r < world.Size; r++)
                {
                    double v = r == 0 ? pristine[i] : Input(r, i);
                    exact += v;
                    magnitude += Math.Abs(v);
                }
                double err = Math.Abs(data[i] - exact);
                double rel = magnitude > 0 ? err / magnitude : 0;
                max = Math.Max(max, rel);
                sumRel += rel;
                errSq += err * err;
                refSq += exact * exact;
            }
            Console.WriteLine(FormattableString.Invariant($"ERROR {max:G3} {sumRel / count:G3} {Math.Sqrt(errSq / refSq):G3}"));
        }
        return 0;
    }

    /// <summary>CPU time of the data plane's own threads (named "ring-..."), so the benchmark's input copies do not count.</summary>
    static TimeSpan RingThreadsCpu()
    {
        long ticks = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("ring-")) continue;
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }
}
