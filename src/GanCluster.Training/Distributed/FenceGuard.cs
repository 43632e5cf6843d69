using GanCluster.Core.Runs;

namespace GanCluster.Training.Distributed;

/// <summary>
/// The last check before a rank 0's checkpoint becomes visible: the rename runs under the world fence's lock, only
/// while the writer's world is still admitted (<see cref="WorldFence.PublishIfAdmitted"/>); a background commit of a
/// world fenced off meanwhile throws <see cref="WorldFencedException"/> instead of publishing.
/// </summary>
public static class FenceGuard
{
    /// <summary>The guard for world <paramref name="epoch"/>; null for a single process (epoch 0: no fence).</summary>
    public static Action<Action>? For(string runDir, long epoch) => epoch == 0 ? null : publish =>
    {
        if (!WorldFence.PublishIfAdmitted(runDir, epoch, publish, out long fence)) throw new WorldFencedException(epoch, fence);
    };
}
