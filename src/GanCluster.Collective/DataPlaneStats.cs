namespace GanCluster.Collective;

/// <summary>
/// Counters of one listener and the collectives and transfers built on it (thread-safe, monotonic). The same
/// events also feed the process-wide <see cref="CollectiveMetrics"/> instruments; this object is for tests,
/// logs and a trainer's own status line.
/// </summary>
public sealed class DataPlaneStats
{
    long _bytesSent, _bytesReceived, _allReduces, _allReduceTicks, _lastAllReduceTicks, _broadcasts, _aborts;
    long _transferBytesSent, _transferBytesReceived;
    readonly long[] _refused = new long[Enum.GetValues<RefusalReason>().Length];

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long AllReduceCount => Interlocked.Read(ref _allReduces);

    public TimeSpan AllReduceTotal => TimeSpan.FromTicks(Interlocked.Read(ref _allReduceTicks));

    public TimeSpan LastAllReduce => TimeSpan.FromTicks(Interlocked.Read(ref _lastAllReduceTicks));

    public long BroadcastCount => Interlocked.Read(ref _broadcasts);

    public long Aborts => Interlocked.Read(ref _aborts);

    public long TransferBytesSent => Interlocked.Read(ref _transferBytesSent);

    public long TransferBytesReceived => Interlocked.Read(ref _transferBytesReceived);

    /// <summary>Incoming connections refused for <paramref name="reason"/>.</summary>
    public long RefusedConnections(RefusalReason reason) => Interlocked.Read(ref _refused[(int)reason]);

    public long RefusedConnectionsTotal
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _refused.Length; i++) sum += Interlocked.Read(ref _refused[i]);
            return sum;
        }
    }

    /// <summary>Connections refused because they came from an older world epoch.</summary>
    public long FencedPeers => RefusedConnections(RefusalReason.StaleEpoch);

    public override string ToString() =>
        $"sent {BytesSent} B, received {BytesReceived} B, {AllReduceCount} all-reduces ({AllReduceTotal.TotalMilliseconds:F1} ms), " +
        $"{BroadcastCount} broadcasts, {Aborts} aborts, {RefusedConnectionsTotal} refused connections";

    internal void AddTraffic(long sent, long received)
    {
        if (sent != 0)
        {
            Interlocked.Add(ref _bytesSent, sent);
            CollectiveMetrics.Sent.Add(sent);
        }
        if (received != 0)
        {
            Interlocked.Add(ref _bytesReceived, received);
            CollectiveMetrics.Received.Add(received);
        }
    }

    internal void AllReduceDone(TimeSpan elapsed, long payloadBytes)
    {
        Interlocked.Increment(ref _allReduces);
        Interlocked.Add(ref _allReduceTicks, elapsed.Ticks);
        Interlocked.Exchange(ref _lastAllReduceTicks, elapsed.Ticks);
        CollectiveMetrics.AllReduceDuration.Record(elapsed.TotalSeconds);
        CollectiveMetrics.AllReducePayload.Add(payloadBytes);
    }

    internal void BroadcastDone(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _broadcasts);
        CollectiveMetrics.BroadcastDuration.Record(elapsed.TotalSeconds);
    }

    internal void Aborted(AbortReason reason)
    {
        Interlocked.Increment(ref _aborts);
        CollectiveMetrics.AbortCount.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    internal void Refused(RefusalReason reason)
    {
        Interlocked.Increment(ref _refused[(int)reason]);
        CollectiveMetrics.Refused.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
        if (reason == RefusalReason.StaleEpoch) CollectiveMetrics.Fenced.Add(1);
    }

    internal void TransferSent(long bytes)
    {
        Interlocked.Add(ref _transferBytesSent, bytes);
        CollectiveMetrics.Transfer.Add(bytes, new KeyValuePair<string, object?>("direction", "sent"));
    }

    internal void TransferReceived(long bytes)
    {
        Interlocked.Add(ref _transferBytesReceived, bytes);
        CollectiveMetrics.Transfer.Add(bytes, new KeyValuePair<string, object?>("direction", "received"));
    }
}
