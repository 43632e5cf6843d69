namespace GanCluster.Collective.Transport;

/// <summary>A data link failed: the peer closed or reset it, or it was aborted locally.</summary>
public sealed class LinkFailedException(int peerRank, string message, Exception? inner = null) : IOException(message, inner)
{
    public int PeerRank { get; } = peerRank;
}
