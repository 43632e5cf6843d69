namespace GanCluster.Cluster.Protocol;

/// <summary>What the coordinator knows of the run's members, as <see cref="ControlPolicy"/> asks it.</summary>
public interface ICoordinatorMembership
{
    /// <summary>The sender a trainer id registered from; null when that id is not registered.</summary>
    ControlSender? RegisteredFrom(string trainerId);

    /// <summary>
    /// Whether <paramref name="trainerId"/> is a member of world <paramref name="epoch"/>: null when the coordinator
    /// does not track that world (an older one: the coordinator ignores its reports anyway), else true or false, with
    /// the sender the member is known by (null: not re-learned yet after a coordinator restart).
    /// </summary>
    bool? IsMember(long epoch, string trainerId, out ControlSender? knownAs);

    /// <summary>Whether some registered trainer or known world member lives on <paramref name="node"/>.</summary>
    bool KnowsNode(string node);

    /// <summary>True while a restarted coordinator is still re-learning who the members of the running world are.</summary>
    bool Relearning { get; }
}
