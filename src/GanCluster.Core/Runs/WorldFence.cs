using System.Globalization;
using GanCluster.Core.IO;

namespace GanCluster.Core.Runs;

/// <summary>
/// RUN_DIR/world-epoch: the oldest world epoch that may still write to the run directory. The coordinator raises
/// it when it abandons a world (before forming the next); rank 0 of a cluster world reads it before each write and
/// stops when its own epoch is below it. This keeps a trainer that was paused or partitioned away, and that wakes
/// up still believing it is rank 0, from appending to metrics.jsonl or committing checkpoints (docs/architecture.md, invariant 5).
/// </summary>
public static class WorldFence
{
    public const string FileName = "world-epoch";

    public static void Raise(string runDir, long epoch)
    {
        string path = Path.Combine(runDir, FileName);
        if (Read(runDir) >= epoch) return;
        DurableFile.WriteAllText(path, epoch.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The fenced epoch (0 when no cluster has written one).</summary>
    public static long Read(string runDir)
    {
        try
        {
            return long.TryParse(File.ReadAllText(Path.Combine(runDir, FileName)).Trim(), CultureInfo.InvariantCulture, out long e) ? e : 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }
}
