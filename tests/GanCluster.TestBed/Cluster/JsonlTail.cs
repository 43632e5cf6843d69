using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanCluster.TestBed.Cluster;

/// <summary>
/// Follows a JSONL file that its writer may also cut back (a resume or a rollback drops lines): every line ever seen
/// is kept, in the order seen, with the time it was first seen ("observed", unix seconds) added, and appended to
/// <c>observedPath</c>. The run's own file shows only what survived; this is the history of what happened, so the
/// checker can see steps that were completed and later rolled back.
/// </summary>
public sealed class JsonlTail : IDisposable
{
    public const string ObservedField = "observed";

    readonly string _path;
    readonly StreamWriter _observed;
    readonly Lock _lock = new();
    readonly HashSet<string> _seen = [];
    readonly List<JsonObject> _rows = [];
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    long _offset;

    public JsonlTail(string path, string observedPath)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(observedPath))!);
        _observed = new StreamWriter(observedPath, append: true) { AutoFlush = true };
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Every row seen so far, oldest first.</summary>
    public IReadOnlyList<JsonObject> Rows
    {
        get { lock (_lock) return [.. _rows]; }
    }

    /// <summary>Reads whatever is new now (the loop does this every 100 ms).</summary>
    public void Poll()
    {
        lock (_lock)
        {
            try { ReadNew(); }
            catch (IOException) { } // the writer is replacing the file; next time
        }
    }

    async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Poll();
            try { await Task.Delay(100, _stop.Token); }
            catch (OperationCanceledException) { }
        }
        Poll();
    }

    void ReadNew()
    {
        if (!File.Exists(_path)) return;
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset) _offset = 0; // cut back: read it all again, the seen lines are skipped
        stream.Position = _offset;
        var bytes = new byte[stream.Length - _offset];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        int end = Array.LastIndexOf(bytes, (byte)'\n', read - 1 < 0 ? 0 : read - 1);
        if (read == 0 || end < 0) return;
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end + 1).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!_seen.Add(line)) continue;
            JsonObject? row;
            try { row = JsonNode.Parse(line) as JsonObject; }
            catch (JsonException)
            {
                // The file was replaced by a longer one since the last read and we landed mid-line: start over.
                _seen.Remove(line);
                _offset = 0;
                return;
            }
            if (row == null) continue;
            row[ObservedField] = Math.Round(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, 3);
            _rows.Add(row);
            _observed.WriteLine(row.ToJsonString());
        }
        _offset += end + 1;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        lock (_lock) _observed.Dispose();
    }
}
