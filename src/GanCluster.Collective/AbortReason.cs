namespace GanCluster.Collective;

/// <summary>Why a collective operation, connection or transfer was aborted.</summary>
public enum AbortReason
{
    /// <summary>The caller's CancellationToken was cancelled.</summary>
    Cancelled,

    /// <summary>The configured timeout expired (a peer is alive but silent: paused, partitioned, or slow).</summary>
    Timeout,

    /// <summary>A peer's connection reset or reached end of stream (the process died or aborted itself).</summary>
    PeerLost,

    /// <summary>A peer's host stopped acknowledging our traffic for <see cref="RingOptions.LinkTimeout"/>: the network
    /// between us is cut (a partition) or the host is gone. A slow or paused peer process is not this.</summary>
    PeerUnreachable,

    /// <summary>A peer could not be reached within the connect timeout.</summary>
    ConnectFailed,

    /// <summary>A peer refused our handshake (wrong token, older epoch, ...); see <see cref="CollectiveAbortedException.Refusal"/>.</summary>
    Refused,

    /// <summary>Ranks called different operations or sizes, or a peer spoke something else.</summary>
    ProtocolMismatch,

    /// <summary>A transfer arrived damaged (length or SHA-256 mismatch).</summary>
    Corrupted,

    /// <summary>The collective was disposed while in use, or used after disposal.</summary>
    Disposed,

    /// <summary>An unexpected error inside the data plane (a bug); the inner exception says what.</summary>
    InternalError,
}
