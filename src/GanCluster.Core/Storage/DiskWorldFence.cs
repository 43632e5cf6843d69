using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>RUN_DIR/world-epoch (<see cref="WorldFence"/>: a lock file makes the check and the publishing rename one step).</summary>
public sealed class DiskWorldFence(string runDir) : IWorldFence
{
    public string Location => Path.Combine(runDir, WorldFence.FileName);

    public long Read() => WorldFence.Read(runDir);

    public long Raise(long epoch) => WorldFence.Raise(runDir, epoch);

    public bool Admits(long epoch, out long fence) => WorldFence.Admits(runDir, epoch, out fence);

    public bool PublishIfAdmitted(long epoch, Action publish, out long fence) => WorldFence.PublishIfAdmitted(runDir, epoch, publish, out fence);

    public void Clear() => File.Delete(Location);
}
