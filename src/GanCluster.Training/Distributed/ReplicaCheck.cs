using System.Text;
using GanCluster.Core.Parallel;

namespace GanCluster.Training.Distributed;

/// <summary>
/// Compares a hash of every replica's state over the data plane: rank 0's hash is broadcast, each rank compares
/// it with its own, and the number of mismatching ranks is all-reduced, so every rank reaches the same verdict
/// at the same step.
/// </summary>
public static class ReplicaCheck
{
    /// <summary>Returns the number of ranks whose hash differs from rank 0's (0 when all agree).</summary>
    public static int CountMismatches(ICollective collective, string localHash, out string rank0Hash, CancellationToken cancel = default)
    {
        rank0Hash = localHash;
        if (collective.WorldSize == 1) return 0;
        var bytes = new byte[64];
        Encoding.ASCII.GetBytes(localHash.PadRight(64).AsSpan(0, 64), bytes);
        collective.Broadcast(bytes, root: 0, cancel);
        rank0Hash = Encoding.ASCII.GetString(bytes).Trim();
        var flag = new float[] { rank0Hash == localHash ? 0f : 1f };
        collective.AllReduceSum(flag, cancel);
        return (int)flag[0];
    }
}
