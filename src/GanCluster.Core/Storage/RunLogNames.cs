namespace GanCluster.Core.Storage;

/// <summary>
/// The names of the run directory's logs under PREFIX/run/ (<see cref="RunStorage.LogsOf"/>): the run directory's
/// own layout (<see cref="Runs.RunLayout"/>), so that a download of the prefix is a run directory.
/// </summary>
public static class RunLogNames
{
    public const string Folder = "run";
    public const string Metrics = "metrics.jsonl";
    public const string Events = "events.jsonl";
    public const string Spec = "run.yaml";
    public const string Samples = "samples";
}
