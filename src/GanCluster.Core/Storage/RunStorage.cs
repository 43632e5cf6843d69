using GanCluster.Core.Runs;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Storage;

/// <summary>
/// Where a run keeps what must outlive its processes, from checkpoint.uri: nothing set, the run directory
/// (RUN_DIR/checkpoints, RUN_DIR/world-epoch); s3://bucket/prefix, that prefix (prefix/checkpoints/step-NNNNNN/,
/// prefix/world-epoch, and a copy of the run's logs under prefix/run/: <see cref="RunLogUpload"/>), for clusters
/// without a shared volume.
/// </summary>
public static class RunStorage
{
    public const string UriField = "checkpoint.uri";

    static readonly HashSet<string> Checked = [];
    static readonly Lock Gate = new();

    /// <summary>The run's S3 prefix, or null when it keeps its checkpoints in the run directory.</summary>
    public static S3Location? Remote(CheckpointSpec spec) => spec.Uri is { Length: > 0 } uri ? S3Location.Parse(uri) : null;

    public static ICheckpointStorage Checkpoints(RunLayout layout, CheckpointSpec spec) =>
        Remote(spec) is { } remote ? new S3CheckpointStorage(CheckpointsOf(Accessible(remote))) : new DiskCheckpointStorage(layout.CheckpointsDir);

    /// <summary>Where the run's checkpoints are (RUN_DIR/checkpoints, or s3://bucket/prefix/checkpoints), without asking the storage.</summary>
    public static string CheckpointsLocation(RunLayout layout, CheckpointSpec spec) =>
        Remote(spec) is { } remote ? CheckpointsOf(remote).ToString() : layout.CheckpointsDir;

    /// <summary>The checkpoints under a remote run prefix: the same layout as a run directory.</summary>
    public static S3Location CheckpointsOf(S3Location run) => run.Child("checkpoints");

    /// <summary>The run's logs under a remote run prefix (prefix/run/: metrics.jsonl, events.jsonl, run.yaml, samples/).</summary>
    public static S3Location LogsOf(S3Location run) => run.Child(RunLogNames.Folder);

    /// <summary>The uploader of the run logs this process writes, or null when the run keeps its checkpoints on disk.</summary>
    public static RunLogUpload? LogUpload(RunLayout layout, CheckpointSpec spec, RunLogFiles files, Action<string> warn) =>
        Remote(spec) is { } remote ? new RunLogUpload(layout, LogsOf(Accessible(remote)), files, warn) : null;

    public static IWorldFence Fence(RunLayout layout, CheckpointSpec spec) =>
        Remote(spec) is { } remote ? new S3WorldFence(Accessible(remote)) : new DiskWorldFence(layout.Root);

    /// <summary>The storage that holds the checkpoint at <paramref name="checkpointPath"/> (a folder, or s3://.../step-N).</summary>
    public static ICheckpointStorage ForCheckpoint(string checkpointPath) => S3Location.IsS3(checkpointPath)
        ? new S3CheckpointStorage(S3Location.Parse(checkpointPath).Split().Parent)
        : new DiskCheckpointStorage(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointPath))) ?? "/");

    /// <summary>
    /// <paramref name="remote"/>, once its bucket answered with these credentials (checked once per process): wrong keys,
    /// a missing bucket or an unreachable endpoint are one line and exit code 2, before anything is written.
    /// </summary>
    public static S3Location Accessible(S3Location remote, string field = UriField)
    {
        lock (Gate)
        {
            if (Checked.Contains(remote.ToString())) return remote;
        }
        S3Connection.CheckAccess(remote, field);
        lock (Gate) Checked.Add(remote.ToString());
        return remote;
    }
}
