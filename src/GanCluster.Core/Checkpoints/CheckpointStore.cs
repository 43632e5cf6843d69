using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Core.IO;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// RUN_DIR/checkpoints: atomic commits (staging folder, fsync, manifest with SHA-256 of every file, rename),
/// keep-last-K pruning, and loading: a checkpoint is read once (<see cref="Read"/>), its files checked against the
/// manifest, which must list exactly the files of <see cref="Contents"/> that are loaded; the newest one that reads
/// and loads is used, each one skipped is reported (<see cref="FindNewestLoadable{T}"/>).
/// </summary>
public sealed class CheckpointStore(string dir, int keep, CheckpointContents? contents = null)
{
    /// <summary>The run's store, RUN_DIR/checkpoints, keeping the newest <paramref name="keep"/> (checkpoint.keep).</summary>
    public CheckpointStore(RunLayout layout, int keep) : this(layout.CheckpointsDir, keep) { }

    const string StagingPrefix = ".staging-";

    /// <summary>The largest manifest read (a manifest lists a handful of files).</summary>
    const int MaxManifestBytes = 1 << 20;

    public string Dir { get; } = dir;

    public int Keep { get; } = keep;

    /// <summary>The files a checkpoint of this store holds (default: a trainer's replica).</summary>
    public CheckpointContents Contents { get; } = contents ?? CheckpointContents.Replica;

    /// <summary>Writes the files and commits them as checkpoint <paramref name="step"/>; returns its folder.</summary>
    /// <param name="publish">runs the final rename (what makes the checkpoint visible), e.g. only while this writer's
    /// world is still admitted by the world fence; it may throw to refuse, and the staged files are removed</param>
    public string Commit(long step, string specHash, IReadOnlyDictionary<string, byte[]> files, JsonObject? info = null,
        Action<Action>? publish = null)
    {
        foreach (var name in files.Keys)
            if (Contents.Refusal(name) is { } problem) throw new ArgumentException($"bad checkpoint file name: {problem}");
        if (Contents.Required.FirstOrDefault(r => !files.ContainsKey(r)) is { } absent)
            throw new ArgumentException($"a checkpoint needs {absent}");
        Directory.CreateDirectory(Dir);
        string final = Path.Combine(Dir, RunLayout.StepName(step));
        string staging = Path.Combine(Dir, $"{StagingPrefix}{RunLayout.StepName(step)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var listed = new List<CheckpointFile>();
            foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                using (var fs = new FileStream(Path.Combine(staging, name), FileMode.CreateNew, FileAccess.Write))
                {
                    fs.Write(bytes);
                    fs.Flush(flushToDisk: true);
                }
                listed.Add(new CheckpointFile(name, bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            }
            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, step, specHash,
                DateTimeOffset.UtcNow.ToString("O"), listed, info);
            DurableFile.WriteAllText(Path.Combine(staging, CheckpointManifest.FileName), manifest.ToJson());
            DurableFile.SyncDirectory(staging);
            (publish ?? (p => p()))(() => Publish(staging, final));
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        DurableFile.SyncDirectory(Dir);
        Prune();
        return final;
    }

    static void Publish(string staging, string final)
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
    }

    /// <summary>Committed checkpoint folders, newest first (not verified).</summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Dir)) return [];
        return Directory.GetDirectories(Dir)
            .Select(d => (ok: RunLayout.TryParseStepName(Path.GetFileName(d), out long s), step: s, d))
            .Where(x => x.ok)
            .OrderByDescending(x => x.step)
            .Select(x => (x.step, x.d))
            .ToList();
    }

    /// <summary>
    /// Reads a checkpoint folder once: the manifest, then each file it lists (plain names of <paramref name="contents"/>,
    /// every required one listed, none a symbolic link), checked against the listed size and SHA-256.
    /// Throws <see cref="InvalidCheckpointException"/> saying what is wrong.
    /// </summary>
    public static VerifiedCheckpoint Read(string checkpointDir, CheckpointContents? contents = null)
    {
        contents ??= CheckpointContents.Replica;
        string manifestPath = Path.Combine(checkpointDir, CheckpointManifest.FileName);
        if (!File.Exists(manifestPath)) throw new InvalidCheckpointException(checkpointDir, "no manifest.json (incomplete write)");
        CheckpointManifest manifest;
        try
        {
            byte[] json = ReadOnce(checkpointDir, CheckpointManifest.FileName, declared: null);
            manifest = CheckpointManifest.FromJson(System.Text.Encoding.UTF8.GetString(json));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or ArgumentException
                                      or InvalidDataException)
        {
            throw new InvalidCheckpointException(checkpointDir, "manifest.json is unreadable: " + e.Message, e);
        }
        if (manifest.Files is null) throw new InvalidCheckpointException(checkpointDir, "manifest.json lists no files");
        if (RunLayout.TryParseStepName(Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpointDir)), out long folderStep) && folderStep != manifest.Step)
            throw new InvalidCheckpointException(checkpointDir, $"manifest.json says step {manifest.Step}");
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file?.Name is null || file.Sha256 is null) throw new InvalidCheckpointException(checkpointDir, "manifest.json has an incomplete file entry");
            if (contents.Refusal(file.Name) is { } problem) throw new InvalidCheckpointException(checkpointDir, problem);
            if (files.ContainsKey(file.Name)) throw new InvalidCheckpointException(checkpointDir, $"manifest.json lists {file.Name} twice");
            if (file.Bytes < 0 || file.Bytes > Array.MaxLength) throw new InvalidCheckpointException(checkpointDir, $"manifest.json gives {file.Name} {file.Bytes} bytes");
            byte[] bytes = ReadOnce(checkpointDir, file.Name, file.Bytes);
            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidCheckpointException(checkpointDir, $"{file.Name} fails its SHA-256 checksum");
            files[file.Name] = bytes;
        }
        if (contents.Required.Where(r => !files.ContainsKey(r)).Order(StringComparer.Ordinal).FirstOrDefault() is { } unlisted)
            throw new InvalidCheckpointException(checkpointDir, $"manifest.json does not list {unlisted}");
        return new VerifiedCheckpoint(checkpointDir, manifest, files);
    }

    /// <summary>
    /// Reads one file with a single open: refuses a symbolic link (it could point outside the folder), and reads at
    /// most one byte more than declared, so a file of another size is caught without reading all of it.
    /// </summary>
    static byte[] ReadOnce(string checkpointDir, string name, long? declared)
    {
        string path = Path.Combine(checkpointDir, name);
        try
        {
            if (new FileInfo(path).LinkTarget != null) throw new InvalidCheckpointException(checkpointDir, $"{name} is a symbolic link");
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            if (declared is { } expected && fs.CanSeek && fs.Length != expected) // before allocating what the manifest claims
                throw new InvalidCheckpointException(checkpointDir, $"{name} has {fs.Length} bytes, manifest says {expected}");
            long limit = declared ?? Math.Min(MaxManifestBytes, fs.CanSeek ? fs.Length : MaxManifestBytes);
            var buffer = new byte[limit];
            int n = fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            bool longer = fs.ReadByte() >= 0;
            if (declared is { } size && (n != size || longer))
                throw new InvalidCheckpointException(checkpointDir, $"{name} has {(longer ? $"more than {size}" : n.ToString())} bytes, manifest says {size}");
            if (declared is null && longer && n >= MaxManifestBytes) throw new InvalidCheckpointException(checkpointDir, $"{name} is larger than {MaxManifestBytes} bytes");
            return n == buffer.Length ? buffer : buffer[..n];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidCheckpointException(checkpointDir, $"{name} is missing", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException(checkpointDir, $"{name} is unreadable: {e.Message}", e);
        }
    }

    /// <summary>Checks a checkpoint folder (reads it once); returns null when valid, else what is wrong.</summary>
    public static string? Verify(string checkpointDir, out CheckpointManifest? manifest, CheckpointContents? contents = null)
    {
        manifest = null;
        try
        {
            manifest = Read(checkpointDir, contents).Manifest;
            return null;
        }
        catch (InvalidCheckpointException e)
        {
            return e.Problem;
        }
    }

    /// <summary>The newest checkpoint that verifies; each one skipped is reported through <paramref name="warn"/>.</summary>
    public (long Step, string Path, CheckpointManifest Manifest)? FindNewestValid(Action<string>? warn = null, long? atOrBefore = null)
    {
        var found = FindNewestLoadable(c => c, warn, atOrBefore);
        return found is { } f ? (f.Checkpoint.Step, f.Checkpoint.Path, f.Checkpoint.Manifest) : null;
    }

    /// <summary>
    /// The newest checkpoint that reads, verifies and loads: <paramref name="load"/> gets the verified bytes (and must
    /// leave its target as it was when it throws). A checkpoint that fails any of it is reported through
    /// <paramref name="warn"/> ("checkpoint step-N skipped: why") and the previous one is tried. User errors
    /// (<see cref="Spec.SpecException"/>) and cancellation are not failures of the checkpoint: they propagate.
    /// </summary>
    public (VerifiedCheckpoint Checkpoint, T Loaded)? FindNewestLoadable<T>(Func<VerifiedCheckpoint, T> load, Action<string>? warn = null,
        long? atOrBefore = null)
    {
        foreach (var (step, path) in List())
        {
            if (atOrBefore is { } limit && step > limit) continue;
            string problem;
            try
            {
                var checkpoint = Read(path, Contents);
                return (checkpoint, load(checkpoint));
            }
            catch (InvalidCheckpointException e)
            {
                problem = e.Problem;
            }
            catch (Exception e) when (e is not (Spec.SpecException or OperationCanceledException or OutOfMemoryException))
            {
                problem = $"it does not load ({e.GetType().Name}: {e.Message})";
            }
            warn?.Invoke($"checkpoint {RunLayout.StepName(step)} skipped: {problem}");
        }
        return null;
    }
    /// <summary>
    /// Removes the committed checkpoints after <paramref name="step"/> (a rollback abandons them: a later resume must
    /// not pick them up). Returns the steps removed.
    /// </summary>
    public IReadOnlyList<long> DropAfter(long step)
    {
        var dropped = new List<long>();
        foreach (var (s, path) in List().Where(c => c.Step > step))
        {
            // Move aside first so a crash mid-delete never leaves a half checkpoint under a valid name.
            string doomed = Path.Combine(Dir, $"{StagingPrefix}dropped-{RunLayout.StepName(s)}-{Guid.NewGuid():N}");
            Directory.Move(path, doomed);
            Directory.Delete(doomed, recursive: true);
            dropped.Add(s);
        }
        if (dropped.Count > 0) DurableFile.SyncDirectory(Dir);
        return dropped;
    }

    /// <summary>Keeps the newest <see cref="Keep"/> checkpoints and removes abandoned staging folders.</summary>
    public void Prune()
    {
        foreach (var (_, path) in List().Skip(Keep))
            Directory.Delete(path, recursive: true);
        foreach (var stale in Directory.GetDirectories(Dir, StagingPrefix + "*"))
        {
            // Another writer may be staging right now; only remove ones untouched for a while.
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(stale) > TimeSpan.FromMinutes(10))
                Directory.Delete(stale, recursive: true);
        }
    }
}
