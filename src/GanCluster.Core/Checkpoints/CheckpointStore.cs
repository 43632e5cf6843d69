using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Core.IO;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// RUN_DIR/checkpoints: atomic commits (staging folder, fsync, manifest with SHA-256 of every file, rename),
/// keep-last-K pruning, and finding the newest checkpoint whose checksums verify.
/// </summary>
public sealed class CheckpointStore(string dir, int keep)
{
    /// <summary>The run's store, RUN_DIR/checkpoints, keeping the newest <paramref name="keep"/> (checkpoint.keep).</summary>
    public CheckpointStore(RunLayout layout, int keep) : this(layout.CheckpointsDir, keep) { }

    const string StagingPrefix = ".staging-";

    public string Dir { get; } = dir;

    public int Keep { get; } = keep;

    /// <summary>Writes the files and commits them as checkpoint <paramref name="step"/>; returns its folder.</summary>
    public string Commit(long step, string specHash, IReadOnlyDictionary<string, byte[]> files, JsonObject? info = null)
    {
        Directory.CreateDirectory(Dir);
        string final = Path.Combine(Dir, RunLayout.StepName(step));
        string staging = Path.Combine(Dir, $"{StagingPrefix}{RunLayout.StepName(step)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        var listed = new List<CheckpointFile>();
        foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (name.Contains('/') || name.Contains('\\') || name == CheckpointManifest.FileName)
                throw new ArgumentException($"bad checkpoint file name '{name}'");
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
        if (Directory.Exists(final))
        {
            // Re-committing a step (e.g. after a rollback): move the old one aside first, then drop it.
            string old = final + ".old-" + Guid.NewGuid().ToString("N");
            Directory.Move(final, old);
            Directory.Move(staging, final);
            Directory.Delete(old, recursive: true);
        }
        else Directory.Move(staging, final);
        DurableFile.SyncDirectory(Dir);
        Prune();
        return final;
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

    /// <summary>Checks a checkpoint folder; returns null when valid, else what is wrong.</summary>
    public static string? Verify(string checkpointDir, out CheckpointManifest? manifest)
    {
        manifest = null;
        string manifestPath = Path.Combine(checkpointDir, CheckpointManifest.FileName);
        if (!File.Exists(manifestPath)) return "no manifest.json (incomplete write)";
        try { manifest = CheckpointManifest.FromJson(File.ReadAllText(manifestPath)); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            return "manifest.json is unreadable: " + e.Message;
        }
        foreach (var file in manifest.Files)
        {
            string path = Path.Combine(checkpointDir, file.Name);
            if (!File.Exists(path)) return $"{file.Name} is missing";
            var bytes = File.ReadAllBytes(path);
            if (bytes.LongLength != file.Bytes) return $"{file.Name} has {bytes.LongLength} bytes, manifest says {file.Bytes}";
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != file.Sha256) return $"{file.Name} fails its SHA-256 checksum";
        }
        return null;
    }

    /// <summary>The newest checkpoint that verifies; each one skipped is reported through <paramref name="warn"/>.</summary>
    public (long Step, string Path, CheckpointManifest Manifest)? FindNewestValid(Action<string>? warn = null, long? atOrBefore = null)
    {
        foreach (var (step, path) in List())
        {
            if (atOrBefore is { } limit && step > limit) continue;
            string? problem = Verify(path, out var manifest);
            if (problem == null && manifest != null) return (step, path, manifest);
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
