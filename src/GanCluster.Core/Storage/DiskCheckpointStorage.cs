using GanCluster.Core.Checkpoints;
using GanCluster.Core.IO;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>
/// Checkpoints as folders (RUN_DIR/checkpoints/step-NNNNNN): written into a staging folder with every file fsynced,
/// made visible by one rename (re-committing a step moves the old folder aside first), read with a single open per
/// file that refuses symbolic links.
/// </summary>
public sealed class DiskCheckpointStorage(string dir) : ICheckpointStorage
{
    const string StagingPrefix = ".staging-";

    public string Location { get; } = dir;

    public string PathOf(long step) => Path.Combine(Location, RunLayout.StepName(step));

    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Location)) return [];
        return Directory.GetDirectories(Location)
            .Select(d => (ok: RunLayout.TryParseStepName(Path.GetFileName(d), out long s), step: s, d))
            .Where(x => x.ok)
            .OrderByDescending(x => x.step)
            .Select(x => (x.step, x.d))
            .ToList();
    }

    public ICheckpointWrite Begin(long step)
    {
        Directory.CreateDirectory(Location);
        string staging = Path.Combine(Location, $"{StagingPrefix}{RunLayout.StepName(step)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return new Write(this, staging, PathOf(step));
    }

    /// <summary>One open per file; a symbolic link is refused (it could point outside the folder).</summary>
    public byte[] ReadFile(string checkpointPath, string name, long? declared, int limit)
    {
        string path = Path.Combine(checkpointPath, name);
        try
        {
            if (new FileInfo(path).LinkTarget != null) throw new InvalidCheckpointException(checkpointPath, $"{name} is a symbolic link");
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            if (declared is { } expected && fs.CanSeek && fs.Length != expected) // before allocating what the manifest claims
                throw new InvalidCheckpointException(checkpointPath, $"{name} has {fs.Length} bytes, manifest says {expected}");
            return ObjectRead.Bounded(fs, checkpointPath, name, declared, limit, fs.CanSeek ? fs.Length : null);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException(e.Message, path, e);
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException(checkpointPath, $"{name} is unreadable: {e.Message}", e);
        }
    }

    public void Delete(string checkpointPath)
    {
        // Move aside first so a crash mid-delete never leaves a half checkpoint under a valid name.
        string doomed = Path.Combine(Location, $"{StagingPrefix}dropped-{Path.GetFileName(checkpointPath)}-{Guid.NewGuid():N}");
        Directory.Move(checkpointPath, doomed);
        Directory.Delete(doomed, recursive: true);
        DurableFile.SyncDirectory(Location);
    }

    public void RemoveAbandoned(TimeSpan age)
    {
        if (!Directory.Exists(Location)) return;
        foreach (var stale in Directory.GetDirectories(Location, StagingPrefix + "*"))
        {
            // Another writer may be staging right now; only remove ones untouched for a while.
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(stale) > age)
                Directory.Delete(stale, recursive: true);
        }
    }

    sealed class Write(DiskCheckpointStorage storage, string staging, string final) : ICheckpointWrite
    {
        bool _published;

        public void WriteFile(string name, byte[] bytes)
        {
            using var fs = new FileStream(Path.Combine(staging, name), FileMode.CreateNew, FileAccess.Write);
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }

        public void WriteManifest(byte[] manifest)
        {
            DurableFile.WriteAllBytes(Path.Combine(staging, CheckpointManifest.FileName), manifest);
            DurableFile.SyncDirectory(staging);
        }

        public string Publish()
        {
            if (Directory.Exists(final))
            {
                // Re-committing a step (e.g. after a rollback): move the old one aside first, then drop it.
                string old = final + ".old-" + Guid.NewGuid().ToString("N");
                Directory.Move(final, old);
                Directory.Move(staging, final);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(staging, final);
            _published = true;
            DurableFile.SyncDirectory(storage.Location);
            return final;
        }

        /// <summary>Removes the staging folder. The disk's publish is the rename under the fence's lock, so there is no
        /// published checkpoint to take back.</summary>
        public void Abandon()
        {
            if (!_published && Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        public void Dispose()
        {
            if (!_published) Abandon();
        }
    }
}
