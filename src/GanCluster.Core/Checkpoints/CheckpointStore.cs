using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// A run's checkpoints, wherever they are kept (<see cref="ICheckpointStorage"/>: RUN_DIR/checkpoints, or an S3
/// prefix): atomic commits (the files first, the manifest with the SHA-256 of every file last, as the commit marker),
/// keep-last-K pruning, and loading: a checkpoint is read once (<see cref="Read"/>), its files checked against the
/// manifest, which must list exactly the files of <see cref="Contents"/> that are loaded; the newest one that reads
/// and loads is used, each one skipped is reported (<see cref="FindNewestLoadable{T}"/>).
/// </summary>
public sealed class CheckpointStore(ICheckpointStorage storage, int keep, CheckpointContents? contents = null)
{
    /// <summary>A folder of checkpoints on disk, keeping the newest <paramref name="keep"/>.</summary>
    public CheckpointStore(string dir, int keep, CheckpointContents? contents = null) : this(new DiskCheckpointStorage(dir), keep, contents) { }

    /// <summary>RUN_DIR/checkpoints, keeping the newest <paramref name="keep"/> (checkpoint.keep).</summary>
    public CheckpointStore(RunLayout layout, int keep) : this(layout.CheckpointsDir, keep) { }

    /// <summary>The run's store: where checkpoint.uri says (the run directory by default), keeping checkpoint.keep.</summary>
    public static CheckpointStore ForRun(RunLayout layout, CheckpointSpec spec) => new(RunStorage.Checkpoints(layout, spec), spec.Keep);

    /// <summary>The largest manifest read (a manifest lists a handful of files).</summary>
    const int MaxManifestBytes = 1 << 20;

    /// <summary>How old an unpublished write must be before pruning removes it (another writer may be staging now).</summary>
    static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    public ICheckpointStorage Storage { get; } = storage;

    /// <summary>Where the checkpoints are: a folder, or s3://bucket/prefix/checkpoints.</summary>
    public string Dir => Storage.Location;

    public int Keep { get; } = keep;

    /// <summary>The files a checkpoint of this store holds (default: a trainer's replica).</summary>
    public CheckpointContents Contents { get; } = contents ?? CheckpointContents.Replica;

    /// <summary>The address of checkpoint <paramref name="step"/> (committed or not).</summary>
    public string PathOf(long step) => Storage.PathOf(step);

    /// <summary>Writes the files and commits them as checkpoint <paramref name="step"/>; returns its address.</summary>
    /// <param name="publish">runs the step that makes the checkpoint visible (a rename, the manifest's upload), e.g. only
    /// while this writer's world is still admitted by the world fence; it may throw to refuse, even after running it,
    /// and what was written is taken back</param>
    public string Commit(long step, string specHash, IReadOnlyDictionary<string, byte[]> files, JsonObject? info = null,
        Action<Action>? publish = null)
    {
        foreach (var name in files.Keys)
            if (Contents.Refusal(name) is { } problem) throw new ArgumentException($"bad checkpoint file name: {problem}");
        if (Contents.Required.FirstOrDefault(r => !files.ContainsKey(r)) is { } absent)
            throw new ArgumentException($"a checkpoint needs {absent}");
        string final;
        using (var write = Storage.Begin(step))
        {
            try
            {
                var listed = new List<CheckpointFile>();
                foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    write.WriteFile(name, bytes);
                    listed.Add(new CheckpointFile(name, bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes))));
                }
                var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, step, specHash,
                    DateTimeOffset.UtcNow.ToString("O"), listed, info);
                write.WriteManifest(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()));
                string? published = null;
                (publish ?? (p => p()))(() => published = write.Publish());
                final = published ?? throw new InvalidOperationException("the publish guard did not publish");
            }
            catch
            {
                write.Abandon();
                throw;
            }
        }
        Prune();
        return final;
    }

    /// <summary>Committed checkpoints, newest first (not verified).</summary>
    public IReadOnlyList<(long Step, string Path)> List() => Storage.List();

    /// <summary>
    /// Reads a checkpoint once (a folder, or s3://.../step-N): the manifest, then each file it lists (plain names of
    /// <paramref name="contents"/>, every required one listed, none a symbolic link), checked against the listed size
    /// and SHA-256. Throws <see cref="InvalidCheckpointException"/> saying what is wrong.
    /// </summary>
    public static VerifiedCheckpoint Read(string checkpointDir, CheckpointContents? contents = null) =>
        Read(RunStorage.ForCheckpoint(checkpointDir), checkpointDir, contents);

    static VerifiedCheckpoint Read(ICheckpointStorage storage, string checkpointDir, CheckpointContents? contents)
    {
        contents ??= CheckpointContents.Replica;
        CheckpointManifest manifest;
        try
        {
            byte[] json = ReadOnce(storage, checkpointDir, CheckpointManifest.FileName, declared: null);
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
            byte[] bytes = ReadOnce(storage, checkpointDir, file.Name, file.Bytes);
            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidCheckpointException(checkpointDir, $"{file.Name} fails its SHA-256 checksum");
            files[file.Name] = bytes;
        }
        if (contents.Required.Where(r => !files.ContainsKey(r)).Order(StringComparer.Ordinal).FirstOrDefault() is { } unlisted)
            throw new InvalidCheckpointException(checkpointDir, $"manifest.json does not list {unlisted}");
        return new VerifiedCheckpoint(checkpointDir, manifest, files);
    }

    /// <summary>One read of one file (the storage reads at most one byte more than declared); a missing manifest means an incomplete write.</summary>
    static byte[] ReadOnce(ICheckpointStorage storage, string checkpointDir, string name, long? declared)
    {
        try
        {
            return storage.ReadFile(checkpointDir, name, declared, MaxManifestBytes);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidCheckpointException(checkpointDir, name == CheckpointManifest.FileName ? "no manifest.json (incomplete write)" : $"{name} is missing", e);
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
                var checkpoint = Read(Storage, path, Contents);
                return (checkpoint, load(checkpoint));
            }
            catch (InvalidCheckpointException e)
            {
                problem = e.Problem;
            }
            catch (Exception e) when (e is not (Spec.SpecException or OperationCanceledException or OutOfMemoryException
                                             or StorageUnavailableException)) // an outage says nothing about the checkpoint
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
            Storage.Delete(path);
            dropped.Add(s);
        }
        return dropped;
    }

    /// <summary>Keeps the newest <see cref="Keep"/> checkpoints and removes writes abandoned a while ago.</summary>
    public void Prune()
    {
        foreach (var (_, path) in List().Skip(Keep)) Storage.Delete(path);
        Storage.RemoveAbandoned(AbandonedAfter);
    }
}
