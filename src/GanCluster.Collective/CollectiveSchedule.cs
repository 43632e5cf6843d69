using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;

namespace GanCluster.Collective;

/// <summary>
/// Picks a world's all-reduce schedule (<c>cluster.transport.schedule</c>) from its host layout and connects it. Every rank
/// decides from the same descriptor, so all ranks of a world pick the same schedule.
/// </summary>
public static class CollectiveSchedule
{
    /// <summary>True when <paramref name="schedule"/> runs the hierarchical schedule on a world of this layout: never for
    /// hosts with different numbers of ranks (the flat ring instead); for <see cref="AllReduceSchedule.Auto"/> only when
    /// it saves latency steps, i.e. the world spans at least two hosts and they have at least two ranks each.</summary>
    public static bool UsesHierarchical(AllReduceSchedule schedule, HostLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return schedule switch
        {
            AllReduceSchedule.Ring => false,
            AllReduceSchedule.Hierarchical => layout.IsUniform,
            _ => layout.IsUniform && layout.HostCount >= 2 && layout.RanksPerHost >= 2,
        };
    }

    /// <summary>Connects <paramref name="rank"/> to <paramref name="world"/> with the schedule <paramref name="schedule"/> picks.</summary>
    public static async Task<ICollective> ConnectAsync(WorldDescriptor world, int rank, DataPlaneListener listener, AllReduceSchedule schedule,
        RingOptions? options = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(world);
        return UsesHierarchical(schedule, HostLayout.Of(world))
            ? await HierarchicalCollective.ConnectAsync(world, rank, listener, options, cancel).ConfigureAwait(false)
            : await RingCollective.ConnectAsync(world, rank, listener, options, cancel).ConfigureAwait(false);
    }
}
