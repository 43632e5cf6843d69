using System.Net;

namespace GanCluster.Collective.Tests;

/// <summary>Several ranks in one process over loopback: listeners first, then every rank connects at once.</summary>
public sealed class InProcessWorld : IDisposable
{
    public InProcessWorld(int size, RingOptions? options = null, long epoch = 1, Func<int, RingOptions, RingOptions>? perRank = null)
    {
        Token = RunToken.New();
        Listeners = Enumerable.Range(0, size).Select(_ => DataPlaneListener.Start(Token, new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
        World = new WorldDescriptor(epoch, Token, Listeners.Select(l => $"127.0.0.1:{l.Port}").ToArray());
        Options = options ?? new RingOptions { ChunkBytes = 16 * 1024, OperationTimeout = TimeSpan.FromSeconds(30) };
        Ranks = Task.WhenAll(Enumerable.Range(0, size)
                .Select(r => RingCollective.ConnectAsync(World, r, Listeners[r], perRank?.Invoke(r, Options) ?? Options)))
            .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }

    public RunToken Token { get; }

    public DataPlaneListener[] Listeners { get; }

    public WorldDescriptor World { get; }

    public RingOptions Options { get; }

    public RingCollective[] Ranks { get; }

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread and waits for all (bounded).</summary>
    public void OnEveryRank(Action<int, RingCollective> body) =>
        Task.WhenAll(Ranks.Select((c, r) => Task.Factory.StartNew(() => body(r, c), TaskCreationOptions.LongRunning)))
            .WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();

    public void Dispose()
    {
        foreach (var c in Ranks) c.Dispose();
        foreach (var l in Listeners) l.Dispose();
    }
}
