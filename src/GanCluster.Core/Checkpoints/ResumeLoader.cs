using GanCluster.Core.Runs;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// Where a resumed run continues from, for every process that resumes one (the single-process trainer, the
/// coordinator of a cluster, a trainer given the coordinator's choice): the newest checkpoint that verifies, or a
/// chosen folder; refused when the spec it was trained with differs from this run's in a training-defining field,
/// unless forced (--resume --force).
/// </summary>
public static class ResumeLoader
{
    /// <summary>The newest valid checkpoint in <paramref name="store"/>, checked against <paramref name="spec"/>; null when there is none.</summary>
    /// <param name="log">warnings (checkpoints skipped) and decisions, one line each</param>
    public static ResumePoint? FindNewest(CheckpointStore store, RunSpec spec, bool force, Action<string>? log)
    {
        var found = store.FindNewestValid(w => log?.Invoke("warning: " + w));
        if (found is not { } newest)
        {
            log?.Invoke($"--resume: no valid checkpoint under {store.Dir}; starting from step 0");
            return null;
        }
        return Checked(new ResumePoint(newest.Step, newest.Path, newest.Manifest), spec, force, log);
    }

    /// <summary>A chosen checkpoint folder (the coordinator's choice), checked against <paramref name="spec"/>.</summary>
    public static ResumePoint Check(string path, RunSpec spec, bool force, Action<string>? log)
    {
        CheckpointStore.Verify(path, out var manifest);
        long step = manifest?.Step ?? (RunLayout.TryParseStepName(Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), out long s) ? s : -1);
        return Checked(new ResumePoint(step, path, manifest), spec, force, log);
    }

    /// <summary>The spec a checkpoint was trained with (its spec.yaml).</summary>
    public static RunSpec SavedSpec(string checkpointDir)
    {
        string file = Path.Combine(checkpointDir, SnapshotFiles.Spec);
        if (!File.Exists(file)) throw new InvalidDataException($"checkpoint {checkpointDir} has no {SnapshotFiles.Spec}");
        return RunSpecLoader.Parse(File.ReadAllText(file));
    }

    static ResumePoint Checked(ResumePoint point, RunSpec spec, bool force, Action<string>? log)
    {
        var differences = SpecDiff.TrainingDifferences(SavedSpec(point.Path), spec);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(point.Path));
        if (differences.Count > 0 && !force)
        {
            throw new SpecException(differences.Select(d => new SpecProblem(d.Path,
                $"{d.Before} (as in checkpoint {name}; pass --force to resume anyway)", d.After)).ToList(), "--resume");
        }
        foreach (var d in differences) log?.Invoke($"--resume --force: {d.Path} changed from {d.Before} to {d.After}");
        log?.Invoke($"resuming from {point.Path}");
        return point;
    }
}
