using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using GanCluster.Cluster.Hosting;
using GanCluster.Telemetry;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// The Akka side of <see cref="ControlPolicy"/>: describes a message's sender and the cluster's coordinator nodes in
/// plain strings, and drops and counts what the policy refuses. Actors call <see cref="Admits"/> from
/// <c>AroundReceive</c>, so no handler ever sees a refused message.
/// </summary>
public static class ControlGate
{
    /// <summary>The sender as the policy knows it. A remote message without a sender arrives as dead letters: anonymous.</summary>
    public static ControlSender SenderOf(IActorRef? sender, ActorSystem system)
    {
        if (sender is null || sender.IsNobody() || sender.Equals(system.DeadLetters)) return ControlSender.Anonymous;
        var path = sender.Path;
        return new ControlSender(path.Address.HasLocalScope ? "" : path.Address.ToString(), $"{path.ToStringWithoutAddress()}#{path.Uid}");
    }

    /// <summary>Addresses of the cluster's coordinator-role members that are (or are about to be) serving.</summary>
    public static IReadOnlyCollection<string> CoordinatorNodes(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members
            .Where(m => m.HasRole(NodeOptions.CoordinatorRole) && m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving)
            .Select(m => m.Address.ToString())
            .ToHashSet();

    /// <summary>A trainer's check (<see cref="ControlPolicy.TrainerRefusal"/>): true when the message may be handled.</summary>
    public static bool AdmitsAtTrainer(IControlMessage message, IActorRef sender, ActorSystem system, string checkpointsDir, ILoggingAdapter log)
    {
        var who = SenderOf(sender, system);
        return Admits(message, who, ControlPolicy.TrainerRefusal(message, who, CoordinatorNodes(system), checkpointsDir), log);
    }

    /// <summary>The coordinator's check (<see cref="ControlPolicy.CoordinatorRefusal"/>): true when the message may be handled.</summary>
    public static bool AdmitsAtCoordinator(IControlMessage message, IActorRef sender, ActorSystem system, ICoordinatorMembership members,
        ILoggingAdapter log)
    {
        ControlPlaneMetrics.ReceivedAtCoordinator(message.GetType().Name);
        var who = SenderOf(sender, system);
        return Admits(message, who, ControlPolicy.CoordinatorRefusal(message, who, members), log);
    }

    /// <summary>True when the message may be handled; otherwise it is counted, logged (at warning level) and dropped.</summary>
    public static bool Admits(object message, ControlSender sender, string? refusal, ILoggingAdapter log)
    {
        if (refusal is null) return true;
        ControlPlaneMetrics.Refused(refusal);
        log.Warning("dropped {0} from {1}: {2}", message.GetType().Name, sender, refusal);
        return false;
    }
}
