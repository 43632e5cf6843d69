namespace GanCluster.Core.Runs;

/// <summary>The names of run events in events.jsonl (ARCHITECTURE.md invariant 4). Kept in one place.</summary>
public static class EventKind
{
    public const string RunStarted = "run_started";
    public const string RunResumed = "run_resumed";
    public const string RunFinished = "run_finished";
    public const string CheckpointCommitted = "checkpoint_committed";
    public const string CheckpointSkipped = "checkpoint_skipped";
    public const string CheckpointFailed = "checkpoint_failed";
    public const string RunInterrupted = "run_interrupted";
    public const string NonFiniteSkipped = "nonfinite_skipped";
    public const string DataWarning = "data_warning";
    public const string CollapseSuspected = "collapse_suspected";
    public const string CollapseCleared = "collapse_cleared";
    public const string CollapseRollback = "collapse_rollback";
    public const string CollapseStopped = "collapse_stopped";
}
