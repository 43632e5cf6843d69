using GanCluster.TestBed.Checking;

namespace GanCluster.TestBed.Nemesis;

/// <summary>The nemesis's record of every fault it applied (JSONL, written when the fault is healed).</summary>
public sealed class FaultLog(string path)
{
    readonly Lock _lock = new();
    readonly List<FaultRecord> _records = [];

    public string Path { get; } = path;

    public IReadOnlyList<FaultRecord> Records
    {
        get { lock (_lock) return [.. _records]; }
    }

    public void Add(FaultRecord record)
    {
        lock (_lock)
        {
            _records.Add(record);
            File.AppendAllText(Path, HistoryJson.Serialize(record) + "\n");
        }
    }

    public static IReadOnlyList<FaultRecord> Read(string path) => HistoryJson.ReadLines<FaultRecord>(path);
}
