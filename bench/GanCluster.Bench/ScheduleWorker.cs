using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GanCluster.Collective;
using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;

namespace GanCluster.Bench;

/// <summary>
/// One rank of the schedule benchmark (a child process on a test-bed host): connects the flat ring and the hierarchical
/// schedule on one listener (same world, different handshake tags), then for every buffer size alternates timed
/// all-reduces of the two, each after a 1-float barrier on the flat ring, so both see the same conditions. Prints
/// "TRANSPORT schedule text", then per size and schedule "TIMES schedule bytes ms,ms,..." and "HASH schedule bytes hex"
/// (SHA-256 of the last result: equal on every rank when the bits are).
/// </summary>
internal static class ScheduleWorker
{
    public const string Command = "allreduce-schedule-worker";

    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
        int rank = int.Parse(o["rank"], CultureInfo.InvariantCulture);
        var sizes = o["sizes"].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int iters = int.Parse(o["iters"], CultureInfo.InvariantCulture);
        int warmup = int.Parse(o["warmup"], CultureInfo.InvariantCulture);
        var token = RunToken.Parse(o["token"]);
        // 16 .NET processes starting at once on two loaded cores can take longer than the default 30 s to all listen.
        var options = new RingOptions
        {
            ChunkBytes = int.Parse(o["chunk"], CultureInfo.InvariantCulture), SharedMemory = true,
            ConnectTimeout = TimeSpan.FromMinutes(2), OperationTimeout = TimeSpan.FromMinutes(2),
        };
        using var listener = DataPlaneListener.Start(token,
            new IPEndPoint(IPAddress.Parse(o["bind"]), int.Parse(o["port"], CultureInfo.InvariantCulture)));
        var world = new WorldDescriptor(1, token, o["endpoints"].Split(','));
        var connecting = new[] { AllReduceSchedule.Ring, AllReduceSchedule.Hierarchical }
            .Select(s => CollectiveSchedule.ConnectAsync(world, rank, listener, s, options)).ToArray();
        var collectives = Task.WhenAll(connecting).GetAwaiter().GetResult();
        var schedules = new (string Name, ICollective Collective)[] { ("ring", collectives[0]), ("hierarchical", collectives[1]) };
        try
        {
            foreach (var (name, c) in schedules) Console.WriteLine($"TRANSPORT {name} {c}");
            var barrier = new float[1];
            foreach (long bytes in sizes)
            {
                int count = (int)(bytes / 4);
                var pristine = new float[count];
                for (int i = 0; i < count; i++) pristine[i] = AllReduceWorker.Input(rank, i);
                var data = GC.AllocateUninitializedArray<float>(count, pinned: true);
                var times = schedules.Select(_ => new List<double>()).ToArray();
                for (int it = 0; it < warmup + iters; it++)
                    for (int s = 0; s < schedules.Length; s++)
                    {
                        pristine.CopyTo(data, 0);
                        schedules[0].Collective.AllReduceSum(barrier);
                        long t0 = Stopwatch.GetTimestamp();
                        schedules[s].Collective.AllReduceSum(data);
                        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        if (it >= warmup) times[s].Add(ms);
                        if (it == warmup + iters - 1)
                            Console.WriteLine($"HASH {schedules[s].Name} {bytes} {Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(data.AsSpan())))}");
                    }
                for (int s = 0; s < schedules.Length; s++)
                    Console.WriteLine($"TIMES {schedules[s].Name} {bytes} " +
                                      string.Join(',', times[s].Select(t => t.ToString("F3", CultureInfo.InvariantCulture))));
            }
        }
        finally
        {
            foreach (var (_, c) in schedules) c.Dispose();
        }
        return 0;
    }
}
