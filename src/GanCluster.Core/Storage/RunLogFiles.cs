namespace GanCluster.Core.Storage;

/// <summary>
/// The run-directory files a process writes, and so uploads beside the checkpoints (<see cref="RunLogUpload"/>): in a
/// single process (`gancluster train`) all of them; in a cluster the current world's rank 0 writes metrics.jsonl and
/// samples/, the coordinator events.jsonl and run.yaml. Each file has one uploader, the process that writes it.
/// </summary>
[Flags]
public enum RunLogFiles
{
    None = 0,
    Metrics = 1,
    Samples = 2,
    Events = 4,
    Spec = 8,
    /// <summary>What a trainer rank 0 writes in a cluster.</summary>
    Trainer = Metrics | Samples,
    /// <summary>What the coordinator writes.</summary>
    Coordinator = Events | Spec,
    All = Trainer | Coordinator,
}
