using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Runs;

/// <summary>
/// Where run events go: events.jsonl in a single process; in a cluster, trainers forward theirs to the
/// coordinator, the one writer of events.jsonl.
/// </summary>
public interface IEventSink
{
    /// <summary>Records <paramref name="runEvent"/> at <paramref name="step"/> (the step at which it takes effect).</summary>
    void Write(long step, RunEvent runEvent);
}
