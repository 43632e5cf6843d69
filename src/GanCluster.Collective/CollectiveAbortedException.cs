namespace GanCluster.Collective;

/// <summary>
/// A collective operation, connection or transfer could not complete. Thrown within bounded time (the
/// operation or connect timeout) and never by a hang. After an all-reduce or broadcast throws, the
/// <see cref="RingCollective"/> is unusable: the cluster layer forms a new world (next epoch) and connects again.
/// </summary>
public sealed class CollectiveAbortedException : Exception
{
    public CollectiveAbortedException(AbortReason reason, int? peerRank, long epoch, string message, Exception? inner = null,
        RefusalReason refusal = RefusalReason.None)
        : base(Describe(reason, peerRank, epoch, message), inner)
    {
        Reason = reason;
        PeerRank = peerRank;
        Epoch = epoch;
        Refusal = refusal;
    }

    public AbortReason Reason { get; }

    /// <summary>The rank whose connection failed (a neighbour: with more than 3 ranks the failure may have
    /// started further round the ring and reached us through an aborting neighbour). Null when not peer-specific.</summary>
    public int? PeerRank { get; }

    /// <summary>The world epoch the operation ran in.</summary>
    public long Epoch { get; }

    /// <summary>For <see cref="AbortReason.Refused"/>: what the peer's listener said.</summary>
    public RefusalReason Refusal { get; }

    static string Describe(AbortReason reason, int? peer, long epoch, string message) =>
        $"data plane aborted ({reason}{(peer is { } p ? $", peer rank {p}" : "")}, epoch {epoch}): {message}";
}
