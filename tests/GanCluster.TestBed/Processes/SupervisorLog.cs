using GanCluster.TestBed.Checking;

namespace GanCluster.TestBed.Processes;

/// <summary>The supervisors' shared record of every start, exit and stop request (JSONL, one writer lock).</summary>
public sealed class SupervisorLog(string path)
{
    readonly Lock _lock = new();
    readonly List<ProcessRecord> _records = [];

    public string Path { get; } = path;

    public IReadOnlyList<ProcessRecord> Records
    {
        get { lock (_lock) return [.. _records]; }
    }

    public void Add(ProcessRecord record)
    {
        lock (_lock)
        {
            _records.Add(record);
            File.AppendAllText(Path, HistoryJson.Serialize(record) + "\n");
        }
    }

    public static IReadOnlyList<ProcessRecord> Read(string path) => HistoryJson.ReadLines<ProcessRecord>(path);
}
