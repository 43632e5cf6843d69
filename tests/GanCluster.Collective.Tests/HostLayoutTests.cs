using GanCluster.Core.Spec;

namespace GanCluster.Collective.Tests;

public class HostLayoutTests
{
    static HostLayout Layout(params string[] endpoints) => HostLayout.Of(new WorldDescriptor(1, RunToken.New(), endpoints));

    [Fact]
    public void Hosts_local_indices_and_counts_come_from_the_endpoints()
    {
        var layout = Layout("10.0.0.1:5000", "10.0.0.1:5001", "node-b:5000", "NODE-B:5001", "10.0.0.1:5002", "node-b:5002");
        Assert.Equal(2, layout.HostCount);
        Assert.True(layout.IsUniform);
        Assert.Equal(3, layout.RanksPerHost);
        Assert.Equal([[0, 1, 4], [2, 3, 5]], layout.Hosts.Select(h => h.ToArray()).ToArray());
        Assert.Equal([0, 0, 1, 1, 0, 1], Enumerable.Range(0, 6).Select(layout.HostIndexOf));
        Assert.Equal([0, 1, 0, 1, 2, 2], Enumerable.Range(0, 6).Select(layout.LocalIndexOf));
    }

    [Fact]
    public void Ipv6_and_ipv4_hosts_are_told_apart_by_address()
    {
        var layout = Layout("[::1]:5000", "127.0.0.1:5000", "[::1]:5001");
        Assert.Equal([[0, 2], [1]], layout.Hosts.Select(h => h.ToArray()).ToArray());
        Assert.False(layout.IsUniform);
    }

    [Theory]
    // schedule, ranks per host -> hierarchical?
    [InlineData(AllReduceSchedule.Auto, new[] { 2, 2 }, true)]
    [InlineData(AllReduceSchedule.Auto, new[] { 4, 4, 4 }, true)]
    [InlineData(AllReduceSchedule.Auto, new[] { 1, 1, 1 }, false)] // one rank per host: nothing to save
    [InlineData(AllReduceSchedule.Auto, new[] { 4 }, false)] // one host
    [InlineData(AllReduceSchedule.Auto, new[] { 2, 1 }, false)] // uneven: the flat ring
    [InlineData(AllReduceSchedule.Ring, new[] { 2, 2 }, false)]
    [InlineData(AllReduceSchedule.Hierarchical, new[] { 1, 1 }, true)]
    [InlineData(AllReduceSchedule.Hierarchical, new[] { 3 }, true)]
    [InlineData(AllReduceSchedule.Hierarchical, new[] { 2, 3 }, false)]
    public void The_schedule_follows_the_spec_and_the_layout(AllReduceSchedule schedule, int[] ranksPerHost, bool hierarchical)
    {
        var endpoints = ranksPerHost.SelectMany((n, h) => Enumerable.Range(0, n).Select(j => $"10.1.0.{h + 1}:{5000 + j}")).ToArray();
        Assert.Equal(hierarchical, CollectiveSchedule.UsesHierarchical(schedule, Layout(endpoints)));
    }
}
