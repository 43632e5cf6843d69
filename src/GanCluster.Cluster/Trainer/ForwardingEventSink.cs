using System.Text.Json.Nodes;
using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Trainer;

/// <summary>Sends rank 0's events to the coordinator, the single writer of events.jsonl.</summary>
public sealed class ForwardingEventSink(IActorRef coordinator, IActorRef trainer) : IEventSink
{
    public void Write(long step, string kind, JsonObject? details = null) =>
        coordinator.Tell(new RunEventReport(ControlProtocol.Version, step, kind, (details ?? []).ToJsonString()), trainer);
}
