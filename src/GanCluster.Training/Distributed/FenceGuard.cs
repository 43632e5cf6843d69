using GanCluster.Core.Storage;

namespace GanCluster.Training.Distributed;

/// <summary>
/// The last check before a rank 0's checkpoint becomes visible: the publication (a rename under the fence's lock, or
/// the manifest's upload bracketed by conditional writes) runs only while the writer's world is still admitted
/// (<see cref="IWorldFence.PublishIfAdmitted"/>); a background commit of a world fenced off meanwhile throws
/// <see cref="WorldFencedException"/> instead of publishing, and the store takes back what it wrote.
/// </summary>
public static class FenceGuard
{
    /// <summary>The guard for world <paramref name="epoch"/>; null for a single process (epoch 0: no fence).</summary>
    public static Action<Action>? For(string runDir, long epoch) => For(new DiskWorldFence(runDir), epoch);

    /// <summary>The guard for world <paramref name="epoch"/> over the run's fence (disk or S3); null for epoch 0.</summary>
    public static Action<Action>? For(IWorldFence worldFence, long epoch) => epoch == 0 ? null : publish =>
    {
        bool admitted;
        long fence;
        try
        {
            admitted = worldFence.PublishIfAdmitted(epoch, publish, out fence);
        }
        catch (FenceMovedException e)
        {
            throw new WorldFencedException(epoch, e.Fence);
        }
        if (!admitted) throw new WorldFencedException(epoch, fence);
    };
}
