using System.Text.Json.Nodes;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Runs;

/// <summary>events.jsonl: one object per run-changing event, with its step and details.</summary>
public sealed class EventLog : IEventSink, IDisposable
{
    readonly JsonlWriter _writer;

    public EventLog(string path, long? truncateAfterStep = null) => _writer = new JsonlWriter(path, truncateAfterStep);

    /// <summary>Raised after each event is written (metrics and console subscribe).</summary>
    public event Action<string, long, JsonObject>? Written;

    public void Write(long step, RunEvent runEvent) => Write(step, runEvent.Kind, RunJson.Details(runEvent));

    /// <summary>
    /// Writes an event whose details were serialised elsewhere (a trainer's event relayed to the coordinator, which
    /// writes it as it came); everything of this process goes through <see cref="Write(long, RunEvent)"/>.
    /// </summary>
    public void Write(long step, string kind, JsonObject? details = null)
    {
        details ??= [];
        var row = new JsonObject
        {
            ["time"] = DateTimeOffset.UtcNow.ToString("O"),
            ["step"] = step,
            ["kind"] = kind,
            ["details"] = details,
        };
        _writer.Write(row);
        Written?.Invoke(kind, step, details);
    }

    /// <summary>Drops events after <paramref name="step"/> (a rollback), archiving them; see <see cref="JsonlWriter.Rewind"/>.</summary>
    public int Rewind(long step, string? archivePath = null) => _writer.Rewind(step, archivePath);

    public void Dispose() => _writer.Dispose();
}
