namespace GanCluster.Telemetry;

/// <summary>
/// Every series this project exports (besides the data plane's, in GanCluster.Collective.CollectiveMetrics). Names
/// follow Prometheus conventions: gancluster_ prefix, base units, _seconds / _bytes / _total. Identity labels on
/// every series: run, node, role; trainer series add rank. The only other labels are small closed sets (kind, status).
/// deploy/monitoring/ (alert and recording rules, the Grafana dashboard) is written against these names.
/// </summary>
public static class MetricNames
{
    public const string Prefix = "gancluster_";

    // Training (every rank; values are averaged over the world, so ranks agree)
    public const string Step = "gancluster_step";
    public const string StepsTotal = "gancluster_steps_total";
    public const string StepDuration = "gancluster_step_duration_seconds";
    public const string DataWait = "gancluster_data_wait_seconds";
    public const string LastStepTimestamp = "gancluster_last_step_timestamp_seconds";
    public const string LossD = "gancluster_loss_d";
    public const string LossG = "gancluster_loss_g";
    public const string DReal = "gancluster_d_real";
    public const string DFake = "gancluster_d_fake";
    public const string RealSign = "gancluster_r_t";
    public const string AugmentP = "gancluster_augment_p";
    public const string GradNormD = "gancluster_grad_norm_d";
    public const string GradNormG = "gancluster_grad_norm_g";
    public const string LrG = "gancluster_lr_g";
    public const string LrD = "gancluster_lr_d";
    public const string Resolution = "gancluster_resolution_pixels";
    public const string Alpha = "gancluster_fade_alpha";
    public const string PhaseIndex = "gancluster_phase_index";
    public const string ImagesPerSecond = "gancluster_images_per_second";
    public const string ImagesTotal = "gancluster_images_total";
    public const string NonFiniteSkipped = "gancluster_nonfinite_steps_skipped_total";
    public const string DSkippedByPolicy = "gancluster_d_updates_skipped_total";

    // Mode collapse (rank 0, every collapse.every steps)
    public const string CollapseDiversity = "gancluster_collapse_diversity";
    public const string CollapseDuplicateRate = "gancluster_collapse_duplicate_rate";
    public const string CollapseClassesCovered = "gancluster_collapse_classes_covered";
    public const string CollapseKlUniform = "gancluster_collapse_kl_uniform";
    public const string CollapseScore = "gancluster_collapse_score";
    public const string CollapseSuspected = "gancluster_collapse_suspected";
    public const string CollapseEvaluations = "gancluster_collapse_evaluations_total";

    // Sample quality (rank 0, with the collapse evaluations; label features = the network they were computed in)
    public const string Fid = "gancluster_fid";
    public const string Kid = "gancluster_kid";
    public const string Precision = "gancluster_precision";
    public const string Recall = "gancluster_recall";

    // Distributed (the coordinator, from run events and its membership)
    public const string WorldSize = "gancluster_world_size";
    public const string WorldEpoch = "gancluster_world_epoch";
    public const string WorkersWanted = "gancluster_workers_wanted";
    public const string WorkersMinimum = "gancluster_workers_minimum";
    public const string Members = "gancluster_members";
    public const string Recoveries = "gancluster_recoveries_total";
    public const string RecoveryDuration = "gancluster_recovery_duration_seconds";
    public const string WorldAborts = "gancluster_world_aborts_total";
    public const string StateTransfers = "gancluster_state_transfers_total";
    public const string StateTransferBytes = "gancluster_state_transfer_bytes_total";
    public const string StateTransferDuration = "gancluster_state_transfer_duration_seconds";
    public const string Checkpoints = "gancluster_checkpoints_total";
    public const string CheckpointFailures = "gancluster_checkpoint_failures_total";
    public const string CheckpointDuration = "gancluster_checkpoint_duration_seconds";
    public const string CheckpointSize = "gancluster_checkpoint_size_bytes";
    public const string LastCheckpointTimestamp = "gancluster_last_checkpoint_timestamp_seconds";
    public const string ReplicaHashMismatches = "gancluster_replica_hash_mismatches_total";
    public const string TrainerRestarts = "gancluster_trainer_restarts_total";
    public const string MembersLost = "gancluster_members_lost_total";
    public const string PolicyDecisions = "gancluster_policy_decisions_total";
    public const string Events = "gancluster_events_total";
    public const string NonFiniteEvents = "gancluster_nonfinite_events_total";

    // Authentication (every node; docs/security.md)
    public const string RefusedControlMessages = "gancluster_refused_control_messages_total";

    public const string CoordinatorControlMessages = "gancluster_coordinator_control_messages_total";

    /// <summary>1 while the node runs (so "the node is up" is a query, whatever it is doing).</summary>
    public const string Up = "gancluster_node_up";
}
