using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Core.Checkpoints;

/// <summary>The checkpoint a user points at: a checkpoint folder, or a run directory (its newest valid checkpoint).</summary>
public static class CheckpointLocator
{
    /// <summary>True when <paramref name="path"/> is a checkpoint folder or a run directory (a folder holding checkpoints/).</summary>
    public static bool LooksLikeOne(string path) => S3Location.IsS3(path) || Directory.Exists(path) &&
        (File.Exists(Path.Combine(path, CheckpointManifest.FileName)) || Directory.Exists(new RunLayout(path).CheckpointsDir));

    /// <summary>
    /// A checkpoint folder that verifies, or the newest valid one in a run directory (or in a folder of checkpoints);
    /// anything else is an input error on <paramref name="field"/>. Checkpoints skipped go to <paramref name="warn"/>.
    /// </summary>
    public static string Resolve(string path, string field = "--checkpoint", Action<string>? warn = null)
    {
        if (S3Location.IsS3(path)) return ResolveRemote(path, field, warn);
        if (!Directory.Exists(path)) throw new SpecException(field, "a checkpoint or run directory", $"'{path}' (no such folder)", "input");
        if (File.Exists(Path.Combine(path, CheckpointManifest.FileName)))
        {
            string? problem = CheckpointStore.Verify(path, out _);
            if (problem != null) throw new SpecException(field, "a valid checkpoint", $"'{path}' ({problem})", "input");
            return path;
        }
        string checkpoints = new RunLayout(path).CheckpointsDir;
        var found = new CheckpointStore(Directory.Exists(checkpoints) ? checkpoints : path, int.MaxValue).FindNewestValid(warn);
        return found?.Path ?? throw new SpecException(field, "a folder holding a valid checkpoint", $"'{path}' (none found)", "input");
    }

    /// <summary>s3://bucket/prefix/checkpoints/step-N (that checkpoint) or s3://bucket/prefix (a run's newest valid one).</summary>
    static string ResolveRemote(string uri, string field, Action<string>? warn)
    {
        var location = S3Location.TryParse(uri, out string? expected) ?? throw new SpecException(field, expected!, $"'{uri}'", "input");
        RunStorage.Accessible(location, field);
        if (RunLayout.TryParseStepName(location.Split().Name, out _))
        {
            string? problem = CheckpointStore.Verify(uri, out _);
            if (problem != null) throw new SpecException(field, "a valid checkpoint", $"'{uri}' ({problem})", "input");
            return uri;
        }
        var found = new CheckpointStore(new S3CheckpointStorage(RunStorage.CheckpointsOf(location)), int.MaxValue).FindNewestValid(warn);
        return found?.Path ?? throw new SpecException(field, "a prefix holding a valid checkpoint", $"'{uri}' (none found)", "input");
    }
}
