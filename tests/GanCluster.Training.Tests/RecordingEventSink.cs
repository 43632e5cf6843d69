using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Training.Tests;

/// <summary>A cluster rank's event sink that keeps what it is given (the coordinator's side, for tests of a trainer alone).</summary>
public sealed class RecordingEventSink : IEventSink
{
    readonly List<RunEvent> _events = [];

    /// <summary>The events so far, in order.</summary>
    public IReadOnlyList<RunEvent> All
    {
        get { lock (_events) return [.. _events]; }
    }

    /// <summary>Their kinds, in order.</summary>
    public IReadOnlyList<string> Kinds => [.. All.Select(e => e.Kind)];

    public void Write(long step, RunEvent runEvent)
    {
        lock (_events) _events.Add(runEvent);
    }
}
