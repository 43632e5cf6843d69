using System.Text.Json.Nodes;
using GanCluster.TestBed.Cluster;
using GanCluster.TestBed.Nemesis;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Checking;

/// <summary>
/// Everything the checker reads, as recorded: metrics rows and events in the order they were seen (rows later rolled
/// back included), the steps metrics.jsonl holds at the end, the supervisors' starts and exits, and the faults.
/// </summary>
public sealed record RunHistory(
    IReadOnlyList<JsonObject> Rows,
    IReadOnlyList<JsonObject> Events,
    IReadOnlyList<long> FinalSteps,
    IReadOnlyList<ProcessRecord> Processes,
    IReadOnlyList<FaultRecord> Faults,
    long? ExpectedSteps)
{
    public const string FaultLogFile = "faults.jsonl";
    public const string SupervisorLogFile = "supervisor.jsonl";

    /// <summary>Reads a run directory after a bed run: RUN_DIR/metrics.jsonl and RUN_DIR/bed/ (observed history, logs).</summary>
    public static RunHistory Load(string runDirectory, long? expectedSteps)
    {
        string bed = BedCluster.HistoryDirectory(runDirectory);
        var finalRows = ReadJsonl(Path.Combine(runDirectory, "metrics.jsonl"));
        var observedRows = ReadJsonl(Path.Combine(bed, BedCluster.ObservedMetricsFile));
        var observedEvents = ReadJsonl(Path.Combine(bed, BedCluster.ObservedEventsFile));
        return new RunHistory(
            observedRows.Count > 0 ? observedRows : finalRows,
            observedEvents.Count > 0 ? observedEvents : ReadJsonl(Path.Combine(runDirectory, "events.jsonl")),
            finalRows.Select(RunEvents.Step).ToList(),
            SupervisorLog.Read(Path.Combine(bed, SupervisorLogFile)),
            FaultLog.Read(Path.Combine(bed, FaultLogFile)),
            expectedSteps);
    }

    static List<JsonObject> ReadJsonl(string path) =>
        !File.Exists(path) ? [] :
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)).OfType<JsonObject>().ToList();
}
