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

    public void Validate(SpecProblems problems, string path)
    {
        problems.AtLeast($"{path}.workers", Workers, 1);
        problems.AtLeast($"{path}.hash_every", HashEvery, 0);
        problems.AtLeast($"{path}.progress_every", ProgressEvery, 1);
    }
}
