using System.Net;
using GanCluster.Collective;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// A real data-plane world in one process: every rank has its own <see cref="DataPlaneListener"/> and
/// <see cref="RingCollective"/>, connected over loopback TCP (the same code path as separate processes).
/// </summary>
public sealed class LoopbackWorld : IDisposable
{
    public LoopbackWorld(int size)
    {
        var token = RunToken.New();
        Listeners = Enumerable.Range(0, size).Select(_ => DataPlaneListener.Start(token, new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
        var world = new WorldDescriptor(1, token, Listeners.Select(l => $"127.0.0.1:{l.Port}").ToArray());
        var options = new RingOptions { ChunkBytes = 16 * 1024, OperationTimeout = TimeSpan.FromSeconds(60) };
        Ranks = Task.WhenAll(Enumerable.Range(0, size).Select(r => RingCollective.ConnectAsync(world, r, Listeners[r], options)))
            .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    public DataPlaneListener[] Listeners { get; }

    public RingCollective[] Ranks { get; }

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread and waits for all (bounded, so a hang fails the test).</summary>
    public void OnEveryRank(Action<int, RingCollective> body) =>
        Task.WhenAll(Ranks.Select((c, r) => Task.Factory.StartNew(() => body(r, c), TaskCreationOptions.LongRunning)))
            .WaitAsync(TimeSpan.FromMinutes(3)).GetAwaiter().GetResult();

    public void Dispose()
    {
        foreach (var c in Ranks) c.Dispose();
        foreach (var l in Listeners) l.Dispose();
    }
}
