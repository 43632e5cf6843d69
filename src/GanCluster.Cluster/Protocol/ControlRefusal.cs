namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Why a control message was dropped: the <c>reason</c> label of <c>gancluster_refused_control_messages_total</c>
/// (docs/security.md). A closed set, so the metric's cardinality stays small.
/// </summary>
public static class ControlRefusal
{
    /// <summary>Not a sealed control message (too short, wrong magic or version, unparsable JSON).</summary>
    public const string Malformed = "malformed";

    /// <summary>The MAC does not verify: the sender does not hold this run's token, or the bytes were altered.</summary>
    public const string BadMac = "bad_mac";

    /// <summary>Sealed too long ago (or too far in the future) for the replay window.</summary>
    public const string Expired = "expired";

    /// <summary>A nonce this process has already accepted: a replayed message.</summary>
    public const string Replayed = "replayed";

    /// <summary>A manifest that names no control message type.</summary>
    public const string UnknownType = "unknown_type";

    /// <summary>A message only the coordinator sends, from a node that is not the run's coordinator.</summary>
    public const string NotCoordinator = "not_coordinator";

    /// <summary>A report naming a world (and trainer) the sender is not a member of.</summary>
    public const string NotMember = "not_member";

    /// <summary>A known trainer id from another node or actor incarnation than the one it registered from.</summary>
    public const string Impostor = "impostor";

    /// <summary>A world whose resume checkpoint lies outside the run's checkpoints folder.</summary>
    public const string BadCheckpointPath = "bad_checkpoint_path";

    public static readonly IReadOnlyList<string> All =
        [Malformed, BadMac, Expired, Replayed, UnknownType, NotCoordinator, NotMember, Impostor, BadCheckpointPath];
}
