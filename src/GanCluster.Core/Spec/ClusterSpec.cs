namespace GanCluster.Core.Spec;

/// <summary>How the run uses the cluster (ignored by single-process `train`).</summary>
public sealed class ClusterSpec : ISpecSection
{
    [SpecDoc("trainers (ranks) the coordinator waits for before it forms the first world")]
    public int Workers { get; set; } = 1;

    [SpecDoc("compare replica hashes (weights and optimizer state) every N steps (0: only at the end)")]
    public int HashEvery { get; set; } = 50;

    [SpecDoc("trainers report progress to the coordinator every N steps")]
    public int ProgressEvery { get; set; } = 10;

    [SpecDoc("the run continues while at least this many trainers are alive; below it, it waits for replacements")]
    public int MinWorkers { get; set; } = 1;

    [SpecDoc("keep-per-rank: each rank keeps batch_size when the world changes (the global batch follows the world); keep-global: the global batch batch_size x workers is split over whoever is alive")]
    public BatchRule BatchRule { get; set; } = BatchRule.KeepPerRank;

    [SpecDoc("restarts of a trainer's training loop after a failure (with backoff) before it leaves the run")]
    public int MaxRestarts { get; set; } = 3;

    [SpecDoc("seconds the coordinator waits for survivors to report their state before it forms the next world")]
    public double RecoveryWindowSeconds { get; set; } = 3;

    [SpecDoc("the data plane: gradient wire format, chunking, shared memory, timeouts (docs/data-plane.md)")]
    public TransportSpec Transport { get; set; } = new();

    public void Validate(SpecProblems problems, string path)
    {
        problems.AtLeast($"{path}.min_workers", MinWorkers, 1);
        if (MinWorkers > Workers) problems.Add($"{path}.min_workers", $"at most cluster.workers ({Workers})", MinWorkers.ToString());
        problems.AtLeast($"{path}.max_restarts", MaxRestarts, 0);
        problems.InRange($"{path}.recovery_window_seconds", RecoveryWindowSeconds, 0.1, 600);
        problems.AtLeast($"{path}.workers", Workers, 1);
        problems.AtLeast($"{path}.hash_every", HashEvery, 0);
        problems.AtLeast($"{path}.progress_every", ProgressEvery, 1);
    }
}
