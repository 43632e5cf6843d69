using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Membership;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The coordinator's membership as <see cref="ControlPolicy"/> asks it: who is a member and on which node from the
/// <see cref="MembershipModel"/>, which actor a trainer id speaks from from the actor's own address book (the model
/// knows no actors). A trainer the model has lost is unknown here too, so a restarted process may register again.
/// </summary>
sealed class ModelMembership(MembershipModel model, IReadOnlyDictionary<string, IActorRef> trainers, ActorSystem system) : ICoordinatorMembership
{
    public ControlSender? RegisteredFrom(string trainerId) =>
        model.NodeOf(trainerId) is { } node
            ? trainers.TryGetValue(trainerId, out var actor) ? ControlGate.SenderOf(actor, system) : new ControlSender(node, "")
            : null;

    public bool? IsMember(long epoch, string trainerId, out ControlSender? knownAs)
    {
        bool? member = model.IsMemberOf(epoch, trainerId);
        knownAs = member == true ? RegisteredFrom(trainerId) : null;
        return member;
    }

    public bool KnowsNode(string node) => model.KnowsNode(node);

    public bool Relearning => model.Relearning;
}
