namespace GanCluster.Core.Storage;

/// <summary>
/// Where a run's checkpoints live: a folder on disk (<see cref="DiskCheckpointStorage"/>) or a prefix in an
/// S3-compatible bucket (<see cref="S3CheckpointStorage"/>). Only the raw operations differ; what a checkpoint is
/// (the manifest, its checksums, which files, keep-last-K, fallback) is <see cref="Checkpoints.CheckpointStore"/>'s,
/// once for both.
/// </summary>
public interface ICheckpointStorage
{
    /// <summary>The checkpoints' folder or URI (s3://bucket/prefix/checkpoints), for messages and for the trainer's check of a named checkpoint.</summary>
    string Location { get; }

    /// <summary>The address of checkpoint <paramref name="step"/> (a folder, or s3://.../step-NNNNNN).</summary>
    string PathOf(long step);

    /// <summary>The committed checkpoints (those whose manifest was written), newest first; not verified.</summary>
    IReadOnlyList<(long Step, string Path)> List();

    /// <summary>Starts writing checkpoint <paramref name="step"/>: nothing is visible until <see cref="ICheckpointWrite.Publish"/>.</summary>
    ICheckpointWrite Begin(long step);

    /// <summary>
    /// Reads one file of checkpoint <paramref name="checkpointPath"/> once: at most <paramref name="limit"/> bytes,
    /// and a file of another size than <paramref name="declared"/> (when given) is refused without reading all of it.
    /// Throws <see cref="Checkpoints.InvalidCheckpointException"/> saying what is wrong, or
    /// <see cref="FileNotFoundException"/> when the file is not there.
    /// </summary>
    byte[] ReadFile(string checkpointPath, string name, long? declared, int limit);

    /// <summary>Removes a checkpoint so that no reader ever sees part of it as committed (the commit marker goes first).</summary>
    void Delete(string checkpointPath);

    /// <summary>Removes what writers that died left behind (staged, never published), once it is older than <paramref name="age"/>.</summary>
    void RemoveAbandoned(TimeSpan age);
}
