using Akka.Actor;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// A trainer node's last resort against a cluster that can no longer heal by itself: when this node has been an Up
/// member without any reachable, Up coordinator for longer than the limit (the coordinator's own restart takes
/// ~16 s; see docs/fault-tolerance.md), the node leaves so that its supervisor (local mode, Kubernetes) starts a
/// new member that joins through the coordinator's address. The way to get here: a coordinator that came back as a
/// separate one-node cluster (it found none of its seeds in time) while the trainers kept their own.
/// </summary>
public static class CoordinatorWatchdog
{
    /// <summary>How long a trainer node tolerates a cluster without a coordinator.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    /// <summary>Completes when this node has been Up for <paramref name="limit"/> without a coordinator it can reach.</summary>
    public static async Task WaitForLossAsync(ActorSystem system, TimeSpan limit, CancellationToken cancel)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        DateTime? missingSince = null;
        while (!cancel.IsCancellationRequested && !system.WhenTerminated.IsCompleted)
        {
            var state = cluster.State;
            bool up = cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up;
            bool coordinator = state.Members.Any(m => m.HasRole(NodeOptions.CoordinatorRole) && m.Status == Akka.Cluster.MemberStatus.Up
                && !state.Unreachable.Contains(m));
            if (!up || coordinator) missingSince = null;
            else if ((missingSince ??= DateTime.UtcNow) + limit < DateTime.UtcNow) return;
            try { await Task.Delay(TimeSpan.FromSeconds(1), cancel); }
            catch (OperationCanceledException) { return; }
        }
        await Task.Delay(Timeout.Infinite, cancel).ContinueWith(_ => { });
    }
}
