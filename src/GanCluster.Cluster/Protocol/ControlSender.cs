namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Who sent a control message, in plain strings (the Akka side builds it, see <see cref="ControlGate"/>).
/// </summary>
/// <param name="Node">the sender's node address (akka.tcp://gancluster@host:port), "" for an actor of this process</param>
/// <param name="Actor">the sending actor with its incarnation (path#uid); "" when the message came without a sender</param>
public readonly record struct ControlSender(string Node, string Actor)
{
    /// <summary>A message without a sender. Remote messages sent without one look exactly like this: never trusted.</summary>
    public static readonly ControlSender Anonymous = new("", "");

    /// <summary>An actor of this very process (e.g. the signal handler asking the trainers to stop).</summary>
    public bool IsLocal => Node.Length == 0 && Actor.Length > 0;

    public bool IsAnonymous => Actor.Length == 0;

    public override string ToString() => IsAnonymous ? "(no sender)" : IsLocal ? Actor : $"{Actor} on {Node}";
}
