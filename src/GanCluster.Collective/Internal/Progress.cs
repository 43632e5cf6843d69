namespace GanCluster.Collective.Internal;

/// <summary>
/// A monotonic count of chunks a lane's receiver has finished, which its sender waits on (the pipeline's only
/// synchronisation). Lock-free on the fast path; the waiter parks on a monitor, and the advancer only takes
/// the lock when someone is parked (Dekker-style: both sides use full fences).
/// </summary>
internal sealed class Progress
{
    readonly object _gate = new();
    long _value;
    int _waiters;

    public void Reset() => Interlocked.Exchange(ref _value, 0);

    public void Advance()
    {
        Interlocked.Increment(ref _value);
        if (Volatile.Read(ref _waiters) != 0)
            lock (_gate) Monitor.PulseAll(_gate);
    }

    public void WakeAll()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Returns once at least <paramref name="target"/> chunks are done; throws when <paramref name="aborted"/> is set.</summary>
    public void WaitFor(long target, ref int aborted)
    {
        if (Interlocked.Read(ref _value) >= target) return;
        var spin = new SpinWait();
        for (int i = 0; i < 10 && !spin.NextSpinWillYield; i++)
        {
            spin.SpinOnce(sleep1Threshold: -1);
            if (Interlocked.Read(ref _value) >= target) return;
        }
        lock (_gate)
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                while (Interlocked.Read(ref _value) < target)
                {
                    if (Volatile.Read(ref aborted) != 0) throw new OperationAbortedSignal();
                    Monitor.Wait(_gate, 250);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
    }
}

/// <summary>Unwinds a worker after the operation was aborted elsewhere (the abort already carries the reason).</summary>
internal sealed class OperationAbortedSignal : Exception;

/// <summary>The peer's op header differs from ours: the ranks are not running the same collective.</summary>
internal sealed class ProtocolMismatchException(int peerRank, string message) : Exception(message)
{
    public int PeerRank { get; } = peerRank;
}
