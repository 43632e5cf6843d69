using GanCluster.Core.Data;

namespace GanCluster.Cli.Chaos;

/// <summary>What to break and when: a seeded schedule of failures, each fired when training reaches a step.</summary>
public sealed record ChaosPlan(IReadOnlyList<ChaosAction> Actions)
{
    /// <summary>
    /// Spreads the failures over the run, leaving room before the first and after the last. Kills alternate
    /// between "mid-step" (a random few milliseconds after a step lands, i.e. inside the next all-reduce) and
    /// "during a checkpoint write" (rank 0 is killed while a checkpoint is being staged).
    /// </summary>
    public static ChaosPlan Create(int seed, long totalSteps, int workers, int trainerKills, int pauses, int coordinatorKills)
    {
        var rng = new SplitMix64((ulong)seed);
        var kinds = Enumerable.Repeat(ChaosKind.KillTrainer, trainerKills)
            .Concat(Enumerable.Repeat(ChaosKind.PauseTrainer, pauses))
            .Concat(Enumerable.Repeat(ChaosKind.KillCoordinator, coordinatorKills))
            .OrderBy(_ => rng.Next())
            .ToList();
        var actions = new List<ChaosAction>();
        long span = Math.Max(1, totalSteps * 6 / 10);
        for (int i = 0; i < kinds.Count; i++)
        {
            long at = totalSteps / 6 + span * (i + 1) / (kinds.Count + 1);
            int target = rng.NextInt(workers);
            bool duringCheckpoint = kinds[i] == ChaosKind.KillTrainer && i % 2 == 1;
            int jitterMs = rng.NextInt(200);
            actions.Add(new ChaosAction(kinds[i], at, duringCheckpoint ? 0 : target, duringCheckpoint, jitterMs));
        }
        return new ChaosPlan(actions);
    }
}

public enum ChaosKind { KillTrainer, PauseTrainer, KillCoordinator }

/// <summary>One failure: what, at which step, on which trainer (its launcher slot), and how.</summary>
public sealed record ChaosAction(ChaosKind Kind, long AtStep, int Trainer, bool DuringCheckpoint, int JitterMs);
