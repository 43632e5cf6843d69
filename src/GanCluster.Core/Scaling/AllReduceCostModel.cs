namespace GanCluster.Core.Scaling;

/// <summary>
/// The alpha-beta model of one all-reduce of S bytes over N ranks (Thakur, Rabenseifner and Gropp 2005; Patarasuk and
/// Yuan 2009; NCCL's double binary trees), for the schedules the data plane has or could have (docs/scaling.md):
/// <list type="bullet">
/// <item><b>Ring</b> (<c>RingCollective</c>): reduce-scatter then all-gather, 2(N-1) sequential steps, each rank sending
/// 2(N-1)/N of S: 2(N-1)·α + 2(N-1)/N · S/B. Bandwidth-optimal; the latency term grows linearly with N. The
/// bidirectional ring runs two such rings on half the bytes each over both directions of every link: same steps, the
/// same bytes per direction, so the same formula with B the one-way rate.</item>
/// <item><b>Hierarchical</b>: H hosts of L ranks (N = H·L). Within a host, reduce-scatter and all-gather through shared
/// memory (a ring of L over <paramref name="sharedMemory"/>); across hosts, the L local ranks each run a ring of H
/// over 1/L of the bytes, all through the host's one link: 2(H-1)·α + 2(H-1)/H · S/B for the network part, so the
/// latency term grows with the number of hosts, not ranks, and the bytes per host link stay those of a flat ring.</item>
/// <item><b>Tree</b>: a pipelined (double) binary tree, reduce up then broadcast down: 2⌈log2 N⌉·α + 2·S/B (the
/// pipeline keeps each link busy, so the bandwidth term approaches the ring's for large N).</item>
/// </list>
/// Computation (the fp32 additions) is left out: it overlaps the transfers in the ring (docs/data-plane.md).
/// </summary>
public static class AllReduceCostModel
{
    public static AllReduceTime Ring(int ranks, double bytes, LinkCost link)
    {
        Check(ranks, bytes);
        if (ranks == 1) return new AllReduceTime(0, 0);
        int steps = 2 * (ranks - 1);
        return new AllReduceTime(steps * link.LatencySeconds, steps / (double)ranks * bytes / link.BytesPerSecond);
    }

    public static AllReduceTime Hierarchical(int hosts, int ranksPerHost, double bytes, LinkCost network, LinkCost sharedMemory)
    {
        Check(hosts, bytes);
        if (ranksPerHost < 1) throw new ArgumentOutOfRangeException(nameof(ranksPerHost), ranksPerHost, "at least one rank per host");
        // Inside the host: a ring of L through shared memory (reduce-scatter before, all-gather after the network part).
        var inside = Ring(ranksPerHost, bytes, sharedMemory);
        // Across hosts: L rings of H ranks over S/L bytes each, sharing the host's link: the bytes per link are a ring of H over S.
        var across = Ring(hosts, bytes, network);
        return inside + across;
    }

    public static AllReduceTime Tree(int ranks, double bytes, LinkCost link)
    {
        Check(ranks, bytes);
        if (ranks == 1) return new AllReduceTime(0, 0);
        int depth = (int)Math.Ceiling(Math.Log2(ranks));
        return new AllReduceTime(2 * depth * link.LatencySeconds, 2 * bytes / link.BytesPerSecond);
    }

    /// <summary>
    /// The smallest N at which the flat ring's latency term passes its bandwidth term for <paramref name="bytes"/>:
    /// 2(N-1)·α ≥ 2(N-1)/N · S/B  ⇔  N ≥ S / (α·B).
    /// </summary>
    public static int RingLatencyDominatesFrom(double bytes, LinkCost link)
    {
        Check(1, bytes);
        double n = bytes / (link.LatencySeconds * link.BytesPerSecond);
        return (int)Math.Max(2, Math.Ceiling(n - 1e-9 * n)); // S/(αB) is exact in theory; keep float noise from adding a rank
    }

    /// <summary>α and B from measured ring times (least squares of t = 2(N-1)·α + 2(N-1)/N·S/B over every (N, S, t)).</summary>
    public static LinkCost FitRing(IReadOnlyList<(int Ranks, double Bytes, double Seconds)> measurements)
    {
        // t = a·x + b·y with x = 2(N-1), y = 2(N-1)/N·S, a = α, b = 1/B: the 2x2 normal equations.
        double sxx = 0, sxy = 0, syy = 0, sxt = 0, syt = 0;
        foreach (var (n, s, t) in measurements)
        {
            double x = 2.0 * (n - 1), y = 2.0 * (n - 1) / n * s;
            sxx += x * x; sxy += x * y; syy += y * y; sxt += x * t; syt += y * t;
        }
        double det = sxx * syy - sxy * sxy;
        if (measurements.Count < 2 || Math.Abs(det) < 1e-30 * Math.Max(1, sxx * syy))
            throw new ArgumentException("need measurements at two or more (N, S) that are not proportional", nameof(measurements));
        double alpha = (sxt * syy - syt * sxy) / det, beta = (sxx * syt - sxy * sxt) / det;
        return new LinkCost(alpha, 1 / beta);
    }

    static void Check(int ranks, double bytes)
    {
        if (ranks < 1) throw new ArgumentOutOfRangeException(nameof(ranks), ranks, "at least one rank");
        if (bytes < 0 || !double.IsFinite(bytes)) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "a finite byte count");
    }
}
