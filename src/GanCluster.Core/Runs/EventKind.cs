namespace GanCluster.Core.Runs;

/// <summary>The names of run events in events.jsonl (docs/architecture.md, invariant 4). Kept in one place.</summary>
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
    public const string ReplicaHashMismatch = "replica_hash_mismatch";

    // Cluster membership and the life of worlds
    public const string MemberJoined = "member_joined";
    public const string MemberLost = "member_lost";
    public const string TrainerRefused = "trainer_refused";
    public const string TrainerFailed = "trainer_failed";
    public const string WorldFormed = "world_formed";
    public const string RunComplete = "run_complete";
    public const string WorldAborted = "world_aborted";
    public const string Recovered = "recovered";
    public const string StateTransfer = "state_transfer";
    public const string TrainerRestarted = "trainer_restarted";
    public const string TrainerLeft = "trainer_left";
    public const string WaitingForTrainers = "waiting_for_trainers";
    public const string CoordinatorRecovered = "coordinator_recovered";
    public const string WorldAdopted = "world_adopted";
    public const string CoordinatorIsolated = "coordinator_isolated";
    public const string CoordinatorReconnected = "coordinator_reconnected";
    public const string CheckpointFallback = "checkpoint_fallback";

    // The training plan (GanCluster.Core.Planning): each is stamped with the step at which it takes effect.
    public const string PhaseStarted = "phase_started";
    public const string ResolutionGrown = "resolution_grown";
    public const string LrChanged = "lr_changed";
    public const string DSkipStarted = "d_skip_started";
    public const string DSkipEnded = "d_skip_ended";

    // Mode collapse (GanCluster.Core.Collapse)
    public const string CollapseSuspected = "collapse_suspected";
    public const string CollapseCleared = "collapse_cleared";
    public const string CollapseRollback = "collapse_rollback";
    public const string CollapseStopped = "collapse_stopped";
    public const string CollapseRescue = "collapse_rescue";

    // Augmentation of D's inputs (augment.kind ada): p moved into another 0.05 band
    public const string AugmentPChanged = "augment_p_changed";
}
