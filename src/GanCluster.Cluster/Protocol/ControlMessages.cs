using GanCluster.Core.Membership;
using System.Text.Json.Serialization;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Protocol;

// The control protocol between trainers and the coordinator. Small, versioned records only: tensors never
// travel here (ARCHITECTURE.md invariant 3); they go over the data plane. Every message that concerns a world
// carries its epoch, so a message from an older world is recognised and ignored (invariant 5).
// Serialised by ControlMessageSerializer (explicit type list, System.Text.Json), not by Newtonsoft type handling.

/// <summary>Marker for messages bound to <see cref="ControlMessageSerializer"/>.</summary>
public interface IControlMessage
{
    /// <summary>Protocol version of the sender; a coordinator refuses trainers of another version.</summary>
    int Version { get; }
}

public static class ControlProtocol
{
    public const int Version = 1;
}

/// <summary>
/// A trainer (one rank on one device) asks to take part in the run, and says what state it holds. Sent again
/// every few seconds while the trainer is outside a world (after an abort, or while waiting), which is how a
/// restarted coordinator re-learns who is alive and what they hold.
/// </summary>
/// <param name="Step">steps its in-memory replica has completed (-1: no state, a fresh process)</param>
/// <param name="StateHash">hash of that replica (weights and optimizer states), null without state</param>
/// <param name="LastEpoch">the last world it trained in (0: none)</param>
/// <param name="Restarts">how often its training loop was restarted after a failure</param>
public sealed record RegisterTrainer(
    int Version,
    string TrainerId,
    string Device,
    string DataHost,
    int DataPort,
    string SpecHash,
    string SoftwareVersion,
    long Step = -1,
    string? StateHash = null,
    long LastEpoch = 0,
    int Restarts = 0,
    int RankHint = -1) : IControlMessage;

/// <summary>The coordinator accepted the trainer; it waits for a world.</summary>
public sealed record RegistrationAccepted(int Version, string RunId, int WorkersExpected) : IControlMessage;

/// <summary>The coordinator refused the trainer, with a message for the user (different spec or software).</summary>
public sealed record RegistrationRefused(int Version, string Reason) : IControlMessage;


/// <summary>
/// A new world: its members and ranks, and where training (re)starts.
/// </summary>
/// <param name="ResumeCheckpoint">a checkpoint folder every member without the start state loads (null: none)</param>
/// <param name="SourceRank">the rank whose in-memory state is the source of truth (null: none; use the checkpoint
/// or the seed)</param>
/// <param name="SourceHash">the hash of the source's state; members holding exactly it need no transfer</param>
/// <param name="NeedState">ranks that receive the source's state over the data plane before the first step</param>
/// <param name="CollapseStateJson">the coordinator's collapse response state (<c>CollapseResponseState</c> as JSON:
/// rollbacks so far, learning-rate scales); every replica applies its scales from the world's first step</param>
public sealed record WorldFormed(
    int Version,
    long Epoch,
    IReadOnlyList<WorldMember> Members,
    long StartStep,
    string? ResumeCheckpoint,
    int? SourceRank = null,
    string? SourceHash = null,
    IReadOnlyList<int>? NeedState = null,
    string? CollapseStateJson = null) : IControlMessage;

/// <summary>
/// Abandon world <paramref name="Epoch"/> now: abort the collective in flight (the step is undone), fence the
/// epoch, and re-register with the state held.
/// </summary>
/// <remarks>
/// <c>Fenced</c>: the coordinator counted the receiver as lost (unreachable: paused or partitioned) and fenced it out;
/// a receiver that is alive after all leaves the cluster and comes back as a new member (gray failure).
/// </remarks>
public sealed record AbortWorld(int Version, long Epoch, string Reason, bool Fenced = false) : IControlMessage;

/// <summary>A trainer leaves the run for good (its loop failed more often than cluster.max_restarts allows).</summary>
public sealed record TrainerLeaving(int Version, string TrainerId, string Reason) : IControlMessage;

/// <summary>
/// A trainer's periodic report: every cluster.progress_every steps from the loop, and every few seconds from the
/// actor as a heartbeat (<paramref name="IsHeartbeat"/>: only the step is meaningful). Off the per-step path.
/// <paramref name="WorldSize"/> and the data-plane endpoint let a restarted coordinator adopt the running world
/// from its members' reports.
/// </summary>
public sealed record TrainerProgress(
    int Version,
    string TrainerId,
    long Epoch,
    int Rank,
    long Step,
    long TotalSteps,
    double ImagesPerSecond,
    double LossD,
    double LossG,
    bool IsHeartbeat = false,
    int WorldSize = 0,
    string DataHost = "",
    int DataPort = 0) : IControlMessage;

/// <summary>A trainer reached the final step of the run (repeated until the coordinator ends the run).</summary>
public sealed record TrainerFinished(int Version, string TrainerId, long Epoch, long Step, string ReplicaHash, int Rank = 0) : IControlMessage;

/// <summary>
/// A trainer's loop failed in world <paramref name="Epoch"/> (a data-plane error, a fatal error).
/// <paramref name="SuspectRank"/> is the peer a data-plane error blames, when it names one.
/// </summary>
public sealed record TrainerFailed(int Version, string TrainerId, long Epoch, long Step, string Reason, bool Fatal, int? SuspectRank = null) : IControlMessage;

/// <summary>An event from rank 0's trainer for events.jsonl, which the coordinator alone writes.</summary>
public sealed record RunEventReport(int Version, long Step, string Kind, string DetailsJson) : IControlMessage;

/// <summary>
/// Rank 0's collapse monitor left collapse_suspected set after the evaluation collected at <paramref name="Step"/>
/// (<paramref name="FlagJson"/>: <c>CollapseFlagState</c> as JSON). Sent with Ask: rank 0 waits for the
/// <see cref="CollapseDecision"/>, so that the world does not run ahead of a rollback.
/// </summary>
public sealed record CollapseReport(int Version, string TrainerId, long Epoch, long Step, string FlagJson) : IControlMessage;

/// <summary>
/// The coordinator's answer to a <see cref="CollapseReport"/>: <paramref name="Action"/> is "continue", "rollback"
/// (the world is being aborted and re-formed from a checkpoint) or "stop" (the run is being stopped).
/// </summary>
public sealed record CollapseDecision(int Version, long Epoch, long Step, string Action, string? Reason = null) : IControlMessage
{
    public const string Continue = "continue", RollBack = "rollback", Stop = "stop";
}

/// <summary>The coordinator ends the run (done, failed, or stopped by the collapse response): trainers stop and their processes exit.</summary>
public sealed record StopTraining(int Version, string Reason, bool Failed, bool ByCollapseResponse = false) : IControlMessage
{
    /// <summary>The exit code of a trainer this message stops (<see cref="ExitCodes"/>): the one place that maps a stop to a code.</summary>
    [JsonIgnore]
    public int ExitCode => ByCollapseResponse ? ExitCodes.CollapseStopped : Failed ? ExitCodes.Failure : ExitCodes.Ok;
}
