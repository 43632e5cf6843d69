namespace GanCluster.Core.Membership;

/// <summary>What the membership model reads from the run directory (the coordinator's service; a fake in tests).</summary>
public interface IRunDirectoryView
{
    /// <summary>The newest checkpoint that verifies (null: none).</summary>
    CheckpointRef? NewestValidCheckpoint();

    /// <summary>The world fence's epoch (0: none): epochs only grow, also across a lost journal.</summary>
    long FenceEpoch();
}
