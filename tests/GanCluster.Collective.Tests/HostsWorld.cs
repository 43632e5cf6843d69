using System.Net;
using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;

namespace GanCluster.Collective.Tests;

/// <summary>
/// Several "hosts" of several ranks in one process: host h's ranks listen on 127.0.0.(h+1), all loopback on Linux, so
/// the world's endpoints name h+1 different hosts (the layout compares addresses). Ranks are numbered host by host
/// unless <paramref name="ranksOf"/> says otherwise. Every rank connects with <see cref="CollectiveSchedule"/>.
/// </summary>
public sealed class HostsWorld : IDisposable
{
    public HostsWorld(int[] ranksPerHost, AllReduceSchedule schedule = AllReduceSchedule.Hierarchical, RingOptions? options = null,
        Func<int, int>? hostOfRank = null)
    {
        Token = RunToken.New();
        int size = ranksPerHost.Sum();
        var hostOf = hostOfRank ?? (r => Array.FindIndex(ranksPerHost.Select((_, h) => ranksPerHost.Take(h + 1).Sum()).ToArray(), end => r < end));
        Listeners = Enumerable.Range(0, size)
            .Select(r => DataPlaneListener.Start(Token, new IPEndPoint(IPAddress.Parse($"127.0.0.{hostOf(r) + 1}"), 0)))
            .ToArray();
        World = new WorldDescriptor(1, Token, Listeners.Select(l => $"{l.LocalEndPoint.Address}:{l.Port}").ToArray());
        Options = options ?? new RingOptions { ChunkBytes = 4096, SharedMemoryBytes = 64 * 1024, OperationTimeout = TimeSpan.FromSeconds(60) };
        Ranks = Task.WhenAll(Enumerable.Range(0, size)
                .Select(r => CollectiveSchedule.ConnectAsync(World, r, Listeners[r], schedule, Options)))
            .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    public HostsWorld(int hosts, int ranksPerHost, AllReduceSchedule schedule = AllReduceSchedule.Hierarchical, RingOptions? options = null)
        : this(Enumerable.Repeat(ranksPerHost, hosts).ToArray(), schedule, options)
    {
    }

    public RunToken Token { get; }

    public DataPlaneListener[] Listeners { get; }

    public WorldDescriptor World { get; }

    public RingOptions Options { get; }

    public ICollective[] Ranks { get; }

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread and waits for all (bounded).</summary>
    public void OnEveryRank(Action<int, ICollective> body) =>
        Task.WhenAll(Ranks.Select((c, r) => Task.Factory.StartNew(() => body(r, c), TaskCreationOptions.LongRunning)))
            .WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();

    public void Dispose()
    {
        foreach (var c in Ranks) c.Dispose();
        foreach (var l in Listeners) l.Dispose();
    }
}
