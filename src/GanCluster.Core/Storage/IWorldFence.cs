namespace GanCluster.Core.Storage;

/// <summary>
/// The world fence of a run (docs/architecture.md, invariant 5): the oldest world epoch that may still write. It only
/// moves up (compare-and-swap) and fails closed: a fence that cannot be read admits nobody. Kept beside the
/// checkpoints: RUN_DIR/world-epoch (<see cref="DiskWorldFence"/>) or the object world-epoch under the run's S3 prefix
/// (<see cref="S3WorldFence"/>), so every process that can write checkpoints sees the same fence.
/// </summary>
public interface IWorldFence
{
    /// <summary>Where the fence lives, for messages.</summary>
    string Location { get; }

    /// <summary>The fenced epoch (0: none). Throws InvalidDataException when the fence holds no epoch.</summary>
    long Read();

    /// <summary>Raises the fence to <paramref name="epoch"/> unless it is there or higher; returns the fence after the call.
    /// Throws InvalidDataException when it holds no epoch or cannot be raised safely.</summary>
    long Raise(long epoch);

    /// <summary>Whether world <paramref name="epoch"/> may still write; false (fence long.MaxValue) when unreadable.</summary>
    bool Admits(long epoch, out long fence);

    /// <summary>
    /// Runs <paramref name="publish"/> (what makes a checkpoint visible) only while world <paramref name="epoch"/> is
    /// admitted; false when it is fenced off. When the fence moved while <paramref name="publish"/> ran, throws
    /// <see cref="FenceMovedException"/> so that the caller takes the publication back.
    /// </summary>
    bool PublishIfAdmitted(long epoch, Action publish, out long fence);

    /// <summary>A fresh run removes an earlier run's fence.</summary>
    void Clear();
}
