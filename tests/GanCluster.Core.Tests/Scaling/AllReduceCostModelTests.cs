using GanCluster.Core.Scaling;

namespace GanCluster.Core.Tests.Scaling;

public class AllReduceCostModelTests
{
    static readonly LinkCost Gigabit = LinkCost.Of(latencyMicroseconds: 50, megabitsPerSecond: 1000);

    [Fact]
    public void The_ring_sends_two_n_minus_one_over_n_of_the_bytes_in_two_n_minus_one_steps()
    {
        var t = AllReduceCostModel.Ring(4, 25e6, Gigabit);
        Assert.Equal(6 * 50e-6, t.LatencySeconds, 12);
        Assert.Equal(1.5 * 25e6 / 125e6, t.BandwidthSeconds, 12); // 2·3/4 of 25 MB at 125 MB/s
        Assert.Equal(new AllReduceTime(0, 0), AllReduceCostModel.Ring(1, 25e6, Gigabit));
    }

    [Fact]
    public void The_ring_matches_the_test_beds_capped_link_measurements()
    {
        // docs/BENCHMARKS.md: 25 MB at 1 Gbit/s, best iterations 209 ms (2 hosts) and 279 ms (3 hosts), i.e. the TCP
        // goodput of 95.6 % of the line rate; a 50 µs latency changes neither by more than a millisecond.
        var goodput = LinkCost.Of(50, 1000 * 0.956);
        Assert.InRange(AllReduceCostModel.Ring(2, 25e6, goodput).TotalSeconds, 0.205, 0.213);
        Assert.InRange(AllReduceCostModel.Ring(3, 25e6, goodput).TotalSeconds, 0.275, 0.283);
    }

    [Fact]
    public void The_rings_latency_term_passes_its_bandwidth_term_from_n_equal_to_s_over_alpha_b()
    {
        // 1 MB over 1 Gbit/s with 50 µs: S/(α·B) = 1e6 / (50e-6 · 125e6) = 160.
        int n = AllReduceCostModel.RingLatencyDominatesFrom(1e6, Gigabit);
        Assert.Equal(160, n);
        Assert.False(AllReduceCostModel.Ring(n - 1, 1e6, Gigabit).LatencyDominates);
        Assert.True(AllReduceCostModel.Ring(n + 1, 1e6, Gigabit).LatencyDominates);
    }

    [Fact]
    public void Hierarchical_pays_the_network_latency_per_host_not_per_rank()
    {
        var shm = LinkCost.Of(2, 8 * 7400); // shared memory: docs/BENCHMARKS.md run D, 7.4 GB/s bus bandwidth
        var flat = AllReduceCostModel.Ring(512, 1e6, Gigabit);
        var hierarchical = AllReduceCostModel.Hierarchical(64, 8, 1e6, Gigabit, shm);
        Assert.True(hierarchical.LatencySeconds < flat.LatencySeconds / 7, $"{hierarchical} vs {flat}");
        // The host's link carries a ring of 64 hosts' bytes: a little less than the flat ring of 512 ranks' per-rank bytes.
        double network = AllReduceCostModel.Ring(64, 1e6, Gigabit).BandwidthSeconds;
        Assert.True(network < flat.BandwidthSeconds);
        Assert.True(hierarchical.TotalSeconds < flat.TotalSeconds);
        // One rank per host is the flat ring.
        Assert.Equal(AllReduceCostModel.Ring(16, 1e6, Gigabit), AllReduceCostModel.Hierarchical(16, 1, 1e6, Gigabit, shm));
    }

    [Fact]
    public void The_tree_pays_log_n_latencies_and_twice_the_bytes()
    {
        var t = AllReduceCostModel.Tree(512, 1e6, Gigabit);
        Assert.Equal(18 * 50e-6, t.LatencySeconds, 12);
        Assert.Equal(2e6 / 125e6, t.BandwidthSeconds, 12);
        // Small messages over many ranks: the tree beats the ring; large ones over few: the ring wins.
        Assert.True(AllReduceCostModel.Tree(512, 64e3, Gigabit).TotalSeconds < AllReduceCostModel.Ring(512, 64e3, Gigabit).TotalSeconds);
        Assert.True(AllReduceCostModel.Ring(4, 25e6, Gigabit).TotalSeconds < AllReduceCostModel.Tree(4, 25e6, Gigabit).TotalSeconds);
    }

    [Fact]
    public void Fitting_the_ring_recovers_alpha_and_bandwidth_from_its_own_predictions()
    {
        var link = LinkCost.Of(120, 800);
        var points = new[] { (2, 4096.0), (4, 4096.0), (8, 4096.0), (2, 4e6), (4, 4e6), (8, 4e6) }
            .Select(p => (p.Item1, p.Item2, AllReduceCostModel.Ring(p.Item1, p.Item2, link).TotalSeconds)).ToList();
        var fit = AllReduceCostModel.FitRing(points);
        Assert.Equal(link.LatencySeconds, fit.LatencySeconds, 9);
        Assert.Equal(link.BytesPerSecond, fit.BytesPerSecond, 1);
        Assert.Throws<ArgumentException>(() => AllReduceCostModel.FitRing([(2, 1e6, 0.01)]));
    }
}
