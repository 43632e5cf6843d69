using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;

namespace GanCluster.Training;

/// <summary>
/// Who else takes part in the run, which decides what a trainer owns. In every mode all ranks train and only the
/// current world's rank 0 writes (metrics, events, checkpoints, samples).
/// </summary>
public abstract record RunMode
{
    /// <summary>
    /// No coordinator (`gancluster train`): this process prepares the run directory, its rank 0 writes events.jsonl,
    /// and in a world of one it answers collapse itself. <paramref name="World"/>: the world it trains in (default: a
    /// world of one; tests pass in-process worlds of several ranks).
    /// </summary>
    public sealed record SingleProcess(ICollective? World = null) : RunMode;

    /// <summary>
    /// One rank of a cluster run: the coordinator prepares the run directory, owns events.jsonl (rank 0 sends its
    /// events to <paramref name="Events"/>) and decides the collapse response; the cluster layer binds each world
    /// (<see cref="GanTrainer.BindWorld"/>).
    /// </summary>
    public sealed record ClusterRank(IEventSink Events) : RunMode;
}
