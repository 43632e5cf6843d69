namespace GanCluster.Core.Spec;

/// <summary>What happens to the batch when an elastic world grows or shrinks.</summary>
public enum BatchRule
{
    /// <summary>Each rank keeps batch_size; the global batch is batch_size x (ranks alive).</summary>
    KeepPerRank,
    /// <summary>The global batch batch_size x cluster.workers stays; each rank takes its share (rounded down).</summary>
    KeepGlobal,
}
