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

/// <summary>A trainer (one rank on one device) asks to take part in the run.</summary>
public sealed record RegisterTrainer(
    int Version,
    string TrainerId,
    string Device,
    string DataHost,
    int DataPort,
    string SpecHash,
    string SoftwareVersion) : IControlMessage;

/// <summary>The coordinator accepted the trainer; it waits for a world.</summary>
public sealed record RegistrationAccepted(int Version, string RunId, int WorkersExpected) : IControlMessage;

/// <summary>The coordinator refused the trainer, with a message for the user (different spec or software).</summary>
public sealed record RegistrationRefused(int Version, string Reason) : IControlMessage;

/// <summary>One rank of a world.</summary>
public sealed record WorldMember(int Rank, string TrainerId, string DataHost, int DataPort);

/// <summary>
/// A new world: its members and ranks, and where training (re)starts. <paramref name="ResumeCheckpoint"/> is a
/// checkpoint folder every member loads before the first step (null: start from the seed).
/// </summary>
public sealed record WorldFormed(
    int Version,
    long Epoch,
    IReadOnlyList<WorldMember> Members,
    long StartStep,
    string? ResumeCheckpoint) : IControlMessage;

/// <summary>A trainer's periodic report (every cluster.progress_every steps; off the per-step path).</summary>
public sealed record TrainerProgress(
    int Version,
    string TrainerId,
    long Epoch,
    int Rank,
    long Step,
    double ImagesPerSecond,
    double LossD,
    double LossG) : IControlMessage;

/// <summary>A trainer reached the final step of the run.</summary>
public sealed record TrainerFinished(int Version, string TrainerId, long Epoch, long Step, string ReplicaHash) : IControlMessage;

/// <summary>A trainer's loop failed in world <paramref name="Epoch"/> (a data-plane error, a fatal error).</summary>
public sealed record TrainerFailed(int Version, string TrainerId, long Epoch, long Step, string Reason, bool Fatal) : IControlMessage;

/// <summary>An event from rank 0's trainer for events.jsonl, which the coordinator alone writes.</summary>
public sealed record RunEventReport(int Version, long Step, string Kind, string DetailsJson) : IControlMessage;

/// <summary>The coordinator ends the run (done, or failed): trainers stop and their processes exit.</summary>
public sealed record StopTraining(int Version, string Reason, bool Failed) : IControlMessage;
