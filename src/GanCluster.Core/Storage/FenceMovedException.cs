namespace GanCluster.Core.Storage;

/// <summary>The fence was raised past the writer's world while its publication was in flight: take the publication back.</summary>
public sealed class FenceMovedException(long epoch, long fence)
    : Exception($"world {epoch} was fenced off (fence {fence}) while its checkpoint was being published")
{
    public long Epoch { get; } = epoch;

    public long Fence { get; } = fence;
}
