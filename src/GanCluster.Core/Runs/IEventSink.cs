using System.Text.Json.Nodes;

namespace GanCluster.Core.Runs;

/// <summary>
/// Where run events go: events.jsonl in a single process; in a cluster, trainers forward theirs to the
/// coordinator, the one writer of events.jsonl.
/// </summary>
public interface IEventSink
{
    void Write(long step, string kind, JsonObject? details = null);
}
