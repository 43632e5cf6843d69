using System.Text;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// Where a resumed run continues from, for every process that resumes one (the single-process trainer, the
/// coordinator of a cluster, a trainer given the coordinator's choice): the newest checkpoint that reads, verifies
/// and loads, or a chosen folder. A checkpoint is read once (<see cref="CheckpointStore.Read"/>) and whatever is
/// loaded is loaded from the bytes checked (docs/security.md). Refused when the spec it was trained with differs from
/// this run's in a training-defining field, unless forced (--resume --force).
/// </summary>
public static class ResumeLoader
{
    /// <summary>
    /// The newest checkpoint in <paramref name="store"/> that verifies and matches <paramref name="spec"/>, without
    /// loading it (the coordinator: it runs no tensors); null when there is none.
    /// </summary>
    /// <param name="log">warnings (checkpoints skipped) and decisions, one line each</param>
    public static ResumePoint? FindNewest(CheckpointStore store, RunSpec spec, bool force, Action<string>? log) =>
        LoadNewest(store, spec, force, log, load: null) is { } c ? new ResumePoint(c.Step, c.Path, c.Manifest) : null;

    /// <summary>
    /// The newest checkpoint in <paramref name="store"/> that reads, verifies, matches <paramref name="spec"/> and
    /// loads: <paramref name="load"/> gets the verified bytes and must leave its target as it was when it throws. Each
    /// one skipped is a warning on <paramref name="log"/> and goes to <paramref name="skipped"/>; null when none loads.
    /// </summary>
    public static VerifiedCheckpoint? LoadNewest(CheckpointStore store, RunSpec spec, bool force, Action<string>? log,
        Action<VerifiedCheckpoint>? load, Action<string>? skipped = null)
    {
        var found = store.FindNewestLoadable(c => Load(c, spec, force, log, load), w =>
        {
            log?.Invoke("warning: " + w);
            skipped?.Invoke(w);
        });
        if (found is { } f) return f.Checkpoint;
        log?.Invoke($"--resume: no valid checkpoint under {store.Dir}; starting from step 0");
        return null;
    }

    /// <summary>
    /// A chosen checkpoint folder (the coordinator's choice), read once, verified, checked against
    /// <paramref name="spec"/> and loaded. Throws <see cref="InvalidCheckpointException"/> or <see cref="SpecException"/>.
    /// </summary>
    public static VerifiedCheckpoint LoadChosen(string path, RunSpec spec, bool force, Action<string>? log, Action<VerifiedCheckpoint> load) =>
        Load(CheckpointStore.Read(path), spec, force, log, load);

    /// <summary>The spec a checkpoint was trained with (its spec.yaml, as verified).</summary>
    public static RunSpec SavedSpec(VerifiedCheckpoint checkpoint) =>
        RunSpecLoader.Parse(Encoding.UTF8.GetString(checkpoint.Files[SnapshotFiles.Spec]));

    static VerifiedCheckpoint Load(VerifiedCheckpoint checkpoint, RunSpec spec, bool force, Action<string>? log, Action<VerifiedCheckpoint>? load)
    {
        var differences = SpecDiff.TrainingDifferences(SavedSpec(checkpoint), spec);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpoint.Path));
        if (differences.Count > 0 && !force)
        {
            throw new SpecException(differences.Select(d => new SpecProblem(d.Path,
                $"{d.Before} (as in checkpoint {name}; pass --force to resume anyway)", d.After)).ToList(), "--resume");
        }
        load?.Invoke(checkpoint);
        foreach (var d in differences) log?.Invoke($"--resume --force: {d.Path} changed from {d.Before} to {d.After}");
        log?.Invoke($"resuming from {checkpoint.Path}");
        return checkpoint;
    }
}
