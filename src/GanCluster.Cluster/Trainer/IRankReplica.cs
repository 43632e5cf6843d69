using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Parallel;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// What a <see cref="TrainerActor"/> trains inside a world: the GAN (<see cref="GanRankReplica"/>) or a stand-in with a
/// fake step and a small gradient buffer over the real data plane (<see cref="SimulatedReplica"/>, `trainer
/// --simulate`). The actor owns registration, worlds, epochs, aborts and reports; the replica owns the state and the loop.
/// Every call but <see cref="IDisposable.Dispose"/> runs on the world's loop thread.
/// </summary>
public interface IRankReplica : IDisposable
{
    /// <summary>The newest committed step this replica holds.</summary>
    long Step { get; }

    /// <summary>True once the run's last step is done.</summary>
    bool Finished { get; }

    /// <summary>The hash of the whole replica state (compared across ranks and at the end of the run).</summary>
    string Hash();

    /// <summary>The whole state as bytes, for a peer that joins (state transfer over the data plane).</summary>
    byte[] StateForTransfer();

    /// <summary>Takes a peer's transferred state; refuses bytes whose hash is not <paramref name="sourceHash"/>.</summary>
    void RestoreFromTransfer(byte[] state, string? sourceHash);

    /// <summary>Loads a checkpoint of the run (the world starts from it).</summary>
    void RestoreCheckpoint(string path);

    /// <summary>
    /// Enters <paramref name="world"/> over <paramref name="collective"/>; <paramref name="collapseSuspected"/> is what
    /// rank 0 calls when its collapse monitor raises the flag (the coordinator decides).
    /// </summary>
    void BindWorld(ICollective collective, WorldFormed world, Action<long, CollapseFlagState> collapseSuspected);

    /// <summary>Trains to the end or a voted stop (returns the step reached); an abort throws, with the step in flight undone.</summary>
    long Run(CancellationToken stop, CancellationToken abort);

    /// <summary>After every completed step (on the loop thread).</summary>
    event Action<ReplicaProgress>? StepCompleted;
}
