namespace GanCluster.Core.Collapse;

/// <summary>
/// Decides the response to the monitor's results. The single-process trainer calls it on rank 0 after each
/// evaluation lands; the cluster coordinator calls it with the results rank 0 reports and broadcasts the action
/// (which carries the step at which it takes effect) to every replica.
/// </summary>
public interface ICollapseResponder
{
    CollapseResponseState State { get; }

    /// <summary>
    /// The action to take after <paramref name="step"/>, given the flag after the newest evaluation and the
    /// committed checkpoints (any order). A rollback updates <see cref="State"/>.
    /// </summary>
    CollapseAction Decide(long step, CollapseFlagState flag, IReadOnlyList<CollapseCheckpoint> checkpoints);
}
