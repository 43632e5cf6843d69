using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanCluster.Core.Runs;

/// <summary>
/// Appends one JSON object per line and flushes it, so a reader (or a crash) never sees half a line.
/// When a run resumes at step S, lines with a step beyond S (written after the checkpoint) are dropped first,
/// so step numbers stay strictly increasing.
/// </summary>
public sealed class JsonlWriter : IDisposable
{
    // Relaxed escaping keeps "+" and non-ASCII readable in the files users grep.
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    StreamWriter _writer;
    readonly Lock _lock = new();

    public JsonlWriter(string path, long? truncateAfterStep = null)
    {
        Path = path;
        if (truncateAfterStep is { } step && File.Exists(path)) DropLinesAfter(path, step);
        _writer = Open(path);
    }

    static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = false };

    public string Path { get; }

    public void Write(JsonObject row)
    {
        string line = row.ToJsonString(Options);
        lock (_lock)
        {
            _writer.Write(line);
            _writer.Write('\n');
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }

    /// <summary>
    /// Drops the lines after <paramref name="step"/> while open (a rollback), as a resume would; the dropped lines
    /// are appended to <paramref name="archivePath"/> when given, so nothing written is lost. Returns how many.
    /// </summary>
    public int Rewind(long step, string? archivePath = null)
    {
        lock (_lock)
        {
            _writer.Dispose();
            try
            {
                var dropped = DropLinesAfter(Path, step);
                if (archivePath != null && dropped.Count > 0)
                {
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(archivePath))!);
                    File.AppendAllLines(archivePath, dropped);
                }
                return dropped.Count;
            }
            finally
            {
                _writer = Open(Path);
            }
        }
    }

    static List<string> DropLinesAfter(string path, long step)
    {
        var kept = new List<string>();
        var dropped = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            long? lineStep = null;
            try { lineStep = JsonNode.Parse(line)?["step"]?.GetValue<long>(); }
            catch (JsonException) { continue; } // a torn last line from a crash
            if (lineStep is null || lineStep <= step) kept.Add(line);
            else dropped.Add(line);
        }
        string tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"; // unique per writer (shared volumes: every pod is PID 1)
        File.WriteAllLines(tmp, kept);
        File.Move(tmp, path, overwrite: true);
        return dropped;
    }

    /// <summary>The largest "step" in the file (-1 when there is none).</summary>
    public static long LastStep(string path) =>
        ReadAll(path).Select(o => o["step"]?.GetValue<long>() ?? -1).DefaultIfEmpty(-1).Max();

    /// <summary>Reads every well-formed object of a JSONL file (skipping a torn last line).</summary>
    public static IEnumerable<JsonObject> ReadAll(string path)
    {
        if (!File.Exists(path)) yield break;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            JsonObject? obj = null;
            try { obj = JsonNode.Parse(line) as JsonObject; }
            catch (JsonException) { }
            if (obj != null) yield return obj;
        }
    }
}
