using System.Text.Json.Nodes;
using GanCluster.Cluster.Observability;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Training;
using GanCluster.Training.Checkpointing;

namespace GanCluster.Cluster.Trainer;

/// <summary>The GAN as a trainer's replica: a <see cref="GanTrainer"/> in cluster mode (rank 0's events go to the coordinator).</summary>
public sealed class GanRankReplica : IRankReplica
{
    readonly GanTrainer _trainer;

    GanRankReplica(GanTrainer trainer)
    {
        _trainer = trainer;
        trainer.StepCompleted += report => StepCompleted?.Invoke(new ReplicaProgress(report.Stats.Step, report.TotalSteps,
            report.ImagesPerSecond, report.Stats.LossD, report.Stats.LossG, report.StepsThisSession));
    }

    /// <summary>The <see cref="ReplicaFactory"/> of `gancluster trainer`.</summary>
    public static IRankReplica Create(TrainerSettings settings, IEventSink events, string? resumeCheckpoint)
    {
        var trainer = new GanTrainer(new TrainerOptions
        {
            Spec = settings.Spec,
            RunDir = settings.RunDir,
            ResumeCheckpoint = resumeCheckpoint,
            Force = settings.Force,
            Device = settings.Device,
            Mode = new RunMode.ClusterRank(events),
            Log = settings.Log,
        });
        if (settings.Metrics is { } metrics) TrainerTelemetry.Attach(trainer, metrics);
        settings.TrainerCreated?.Invoke(trainer);
        return new GanRankReplica(trainer);
    }

    public event Action<ReplicaProgress>? StepCompleted;

    public long Step => _trainer.State.Step;

    public bool Finished => _trainer.Finished;

    public string Hash() => _trainer.Snapshot().Hash();

    public byte[] StateForTransfer() => _trainer.Snapshot().ToBytes();

    public void RestoreFromTransfer(byte[] state, string? sourceHash) =>
        _trainer.Restore(TrainerSnapshot.FromTransfer(state, sourceHash)); // exactly the source's state, or refused

    public void RestoreCheckpoint(string path) => _trainer.RestoreCheckpoint(path);

    public void BindWorld(ICollective collective, WorldFormed world, Action<long, CollapseFlagState> collapseSuspected)
    {
        _trainer.BindWorld(collective, world.Epoch, world.SourceHash);
        // The coordinator owns the collapse response: its state (learning-rate scales) holds from this world's first
        // step on every replica, and rank 0 asks it what to do while collapse is suspected.
        _trainer.SetCollapseState(CollapseResponseState.FromJson(world.CollapseStateJson is { } json ? JsonNode.Parse(json) : null));
        _trainer.CollapseSuspected = collapseSuspected;
    }

    public long Run(CancellationToken stop, CancellationToken abort) => _trainer.Run(stop, abort).Step;

    public void Dispose() => _trainer.Dispose();
}
