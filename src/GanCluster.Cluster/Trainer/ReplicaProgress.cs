namespace GanCluster.Cluster.Trainer;

/// <summary>One completed step as the trainer actor reports it (<see cref="IRankReplica.StepCompleted"/>).</summary>
/// <param name="StepsThisSession">steps completed since this world's loop started (1: the world's first step).</param>
public sealed record ReplicaProgress(long Step, long TotalSteps, double ImagesPerSecond, double LossD, double LossG, long StepsThisSession);
