using Akka.Actor;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Cluster.Trainer;

/// <summary>Sends rank 0's events to the coordinator, the single writer of events.jsonl.</summary>
public sealed class ForwardingEventSink(IActorRef coordinator, IActorRef trainer) : IEventSink
{
    public void Write(long step, RunEvent runEvent) =>
        coordinator.Tell(new RunEventReport(ControlProtocol.Version, step, runEvent.Kind, RunJson.Details(runEvent).ToJsonString()), trainer);
}
