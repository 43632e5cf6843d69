namespace GanCluster.Collective;

/// <summary>Tuning and fault-tolerance settings of the data plane. Every rank of a world must use the same
/// <see cref="ChunkBytes"/>, <see cref="Wire"/> and <see cref="Bidirectional"/> (the op header checks them).</summary>
public sealed record RingOptions
{
    public static readonly RingOptions Default = new();

    /// <summary>Bytes of wire data per pipelined chunk (256 KiB to 1 MiB is the sweet spot on TCP).</summary>
    public int ChunkBytes { get; init; } = 512 * 1024;

    /// <summary>Transport precision of all-reduce values (fp32 accumulation in every case).</summary>
    public WireFormat Wire { get; init; } = WireFormat.Float32;

    /// <summary>Split every all-reduce into two half-size rings running in opposite directions, so each socket
    /// carries data both ways at once (full duplex on every link).</summary>
    public bool Bidirectional { get; init; } = true;

    /// <summary>Bound on establishing a world's connections (peers that are not listening yet are retried).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on one collective operation, from the call until every byte arrived. Includes waiting for
    /// the slowest rank to reach the same call, so leave room for step-time skew.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A TCP link whose peer host acknowledges nothing for this long is cut off (a network partition or a dead
    /// host), and the operation aborts naming that peer. Much shorter than <see cref="OperationTimeout"/>, which must also
    /// cover a slow rank: a slow or paused peer process still acknowledges (its kernel does), so this never fires for one.</summary>
    public TimeSpan LinkTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on a point-to-point transfer making no progress (no byte moved for this long).</summary>
    public TimeSpan TransferStallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>When two neighbours turn out to share a host (the connecting side offers a /dev/shm file and the other
    /// side can open it and finds the nonce sent over TCP), move the data through shared memory instead of the kernel's
    /// TCP stack. Falls back to TCP silently when either side says no or cannot; ranks may differ in this setting.</summary>
    public bool SharedMemory { get; init; } = true;

    /// <summary>Bytes of each direction's shared-memory ring.</summary>
    public int SharedMemoryBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>SO_SNDBUF / SO_RCVBUF in bytes; 0 keeps the kernel's auto-tuning (usually best on Linux).</summary>
    public int SocketBufferBytes { get; init; }

    internal int WireElementSize => Wire == WireFormat.Float32 ? 4 : 2;

    internal void Validate()
    {
        if (ChunkBytes is < 4096 or > 64 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, "expected 4 KiB to 64 MiB");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout));
        if (OperationTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(OperationTimeout));
        if (LinkTimeout < TimeSpan.FromSeconds(2)) throw new ArgumentOutOfRangeException(nameof(LinkTimeout), LinkTimeout, "expected at least 2 s");
        if (TransferStallTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TransferStallTimeout));
        if (SocketBufferBytes < 0) throw new ArgumentOutOfRangeException(nameof(SocketBufferBytes));
        if (SharedMemoryBytes is < 64 * 1024 or > 1024 * 1024 * 1024 || SharedMemoryBytes % 4096 != 0)
            throw new ArgumentOutOfRangeException(nameof(SharedMemoryBytes), SharedMemoryBytes, "expected a multiple of 4 KiB, 64 KiB to 1 GiB");
        if (!Enum.IsDefined(Wire)) throw new ArgumentOutOfRangeException(nameof(Wire));
    }
}
