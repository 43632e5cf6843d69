using System.Globalization;
using GanCluster.Core.IO;

namespace GanCluster.Core.Runs;

/// <summary>
/// RUN_DIR/world-epoch: the oldest world epoch that may still write to the run directory. The coordinator raises
/// it when it abandons a world (before forming the next); rank 0 of a cluster world checks it before each write, and
/// again, under the fence's lock, at the moment a checkpoint becomes visible (<see cref="PublishIfAdmitted"/>). This
/// keeps a trainer that was paused or partitioned away, and that wakes up still believing it is rank 0, from
/// appending to metrics.jsonl or committing checkpoints (docs/architecture.md, invariant 5).
/// <para>The fence only moves up (compare-and-swap under an exclusive lock file), and fails closed: a fence file
/// that is not an epoch admits no world (<see cref="Admits"/>) and cannot be raised; the coordinator then ends the run
/// with the file named, rather than guess an epoch (docs/security.md).</para>
/// </summary>
public static class WorldFence
{
    public const string FileName = "world-epoch";
    const string LockSuffix = ".lock";

    /// <summary>How long a writer waits for another writer's lock before giving up (IOException).</summary>
    static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Raises the fence to <paramref name="epoch"/> unless it is already there or higher; returns the fence after the call.</summary>
    /// <exception cref="InvalidDataException">the fence file exists but holds no epoch</exception>
    public static long Raise(string runDir, long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        using var _ = Lock(runDir);
        long current = Read(runDir);
        if (current >= epoch) return current;
        DurableFile.WriteAllText(Path.Combine(runDir, FileName), epoch.ToString(CultureInfo.InvariantCulture));
        return epoch;
    }

    /// <summary>The fenced epoch (0 when no cluster has written one).</summary>
    /// <exception cref="InvalidDataException">the fence file exists but holds no epoch (altered or damaged)</exception>
    public static long Read(string runDir)
    {
        string path = Path.Combine(runDir, FileName);
        string text;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[64];
            int n = fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            text = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
        if (long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)) return epoch;
        throw new InvalidDataException($"{path} holds no world epoch ('{new string(text.Take(20).Select(c => char.IsControl(c) ? '?' : c).ToArray())}'): " +
                                       "it was altered or damaged; no world may write until it is fixed");
    }

    /// <summary>
    /// Whether world <paramref name="epoch"/> may still write; fails closed: an unreadable fence admits nobody.
    /// <paramref name="fence"/> is the fenced epoch (long.MaxValue when unreadable).
    /// </summary>
    public static bool Admits(string runDir, long epoch, out long fence)
    {
        try
        {
            fence = Read(runDir);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            fence = long.MaxValue;
            return false;
        }
        return fence <= epoch;
    }

    /// <summary>
    /// Runs <paramref name="publish"/> (a rename that makes a write visible) only while world <paramref name="epoch"/>
    /// is admitted, holding the fence's lock so that the coordinator cannot raise the fence in between. Returns false,
    /// with the fence, when the world is fenced off (nothing was published).
    /// </summary>
    public static bool PublishIfAdmitted(string runDir, long epoch, Action publish, out long fence)
    {
        using var _ = Lock(runDir);
        if (!Admits(runDir, epoch, out fence)) return false;
        publish();
        return true;
    }

    /// <summary>An exclusive lock (flock) on RUN_DIR/world-epoch.lock, waited for up to <see cref="LockTimeout"/>.</summary>
    static FileStream Lock(string runDir)
    {
        string path = Path.Combine(runDir, FileName + LockSuffix);
        var deadline = DateTime.UtcNow + LockTimeout;
        for (int delayMs = 5; ; delayMs = Math.Min(delayMs * 2, 200))
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                Thread.Sleep(delayMs); // another writer holds it
            }
        }
    }
}
