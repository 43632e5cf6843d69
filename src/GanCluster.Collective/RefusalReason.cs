namespace GanCluster.Collective;

/// <summary>Why a listener refused an incoming data-plane connection (also the status byte of the handshake reply).</summary>
public enum RefusalReason : byte
{
    None = 0,

    /// <summary>Not our magic bytes: something else connected.</summary>
    BadMagic = 1,

    /// <summary>Another protocol version.</summary>
    UnsupportedVersion = 2,

    /// <summary>Another run's peer, or one that could not prove it holds the run token (an intruder).</summary>
    BadToken = 3,

    /// <summary>The connection carries a world epoch older than the one this listener is fenced at.</summary>
    StaleEpoch = 4,

    /// <summary>Addressed to another rank, or from a rank outside the world.</summary>
    WrongRank = 5,

    /// <summary>Too many unclaimed connections are waiting, or an unauthenticated one was evicted for a newer one.</summary>
    Overloaded = 6,

    /// <summary>The handshake did not arrive in time, or nobody claimed the connection in time.</summary>
    Timeout = 7,

    /// <summary>The listener is shutting down.</summary>
    Closing = 8,

    /// <summary>
    /// The connection carries a world epoch far ahead of this listener's (more than DataPlaneListener.MaxEpochLead):
    /// the listener has not entered that world yet. The connecting side retries until its connect timeout.
    /// </summary>
    FutureEpoch = 9,
}
