using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GanCluster.Bench.Control;

/// <summary>
/// What the bench watches of one run while it goes: the coordinator's events.jsonl (world_formed, recovered, ...) and
/// the coordinator's log (Akka's cluster lines: a node JOINING, moved to Up, removed; rank 0's progress lines), each with
/// the time its writer stamped on it (the same machine's clock as the bench's).
/// </summary>
internal sealed partial class RunRecord(string eventsPath, string coordinatorLog)
{
    readonly FileFollower _events = new(eventsPath), _log = new(coordinatorLog);

    public List<(DateTimeOffset Time, string Kind, JsonObject Details)> Events { get; } = [];

    /// <summary>Akka cluster lines at the coordinator (the leader: its port sorts first): Joining, Up, Removed, Unreachable.</summary>
    public List<(DateTimeOffset Time, string What, string Node)> Cluster { get; } = [];

    /// <summary>Rank 0's progress as the coordinator logs it (every cluster.progress_every steps).</summary>
    public List<(DateTimeOffset Time, long Step)> Progress { get; } = [];

    /// <summary>The coordinator replayed its journal and opened the run ("N trainer(s) wanted").</summary>
    public bool CoordinatorReady { get; private set; }

    /// <summary>Why the coordinator actor failed to start (its journal replay timed out under load, say), or null.</summary>
    public string? CoordinatorFailure { get; private set; }

    public void Poll()
    {
        foreach (var line in _events.NewLines())
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var e = JsonNode.Parse(line)!.AsObject();
            Events.Add((DateTimeOffset.Parse((string)e["time"]!, CultureInfo.InvariantCulture), (string)e["kind"]!, e["details"]!.AsObject()));
        }
        foreach (var line in _log.NewLines())
        {
            if (line.Length < 23 || !DateTime.TryParseExact(line[..23], "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeLocal, out var local)) continue;
            var time = new DateTimeOffset(local);
            if (line.Contains(" trainer(s) wanted ", StringComparison.Ordinal)) CoordinatorReady = true;
            if (line.Contains("Persistence failure", StringComparison.Ordinal)) CoordinatorFailure ??= line[24..];
            if (StepLine().Match(line) is { Success: true } s) Progress.Add((time, long.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture)));
            else if (JoiningLine().Match(line) is { Success: true } j) Cluster.Add((time, "joining", j.Groups[1].Value));
            else if (UpLine().Match(line) is { Success: true } u) Cluster.Add((time, "up", u.Groups[1].Value));
            else if (RemovingLine().Match(line) is { Success: true } r) Cluster.Add((time, "removed", r.Groups[1].Value));
        }
    }

    public IEnumerable<(DateTimeOffset Time, JsonObject Details)> Of(string kind, DateTimeOffset after) =>
        Events.Where(e => e.Kind == kind && e.Time >= after).Select(e => (e.Time, e.Details));

    [GeneratedRegex(@" step (\d+)/\d+ \| world")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"Node \[([^\]]+)\] is JOINING, roles \[trainer\]")]
    private static partial Regex JoiningLine();

    [GeneratedRegex(@"Leader is moving node \[([^\]]+)\] to \[Up\]")]
    private static partial Regex UpLine();

    [GeneratedRegex(@"Leader is removing [^\[]*node \[([^\]]+)\]")]
    private static partial Regex RemovingLine();
}
