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
    /// <summary>
    /// The check before a world's first step. When the coordinator announced the start state's hash
    /// (<paramref name="announcedHash"/>: a world formed from a live replica, whose members either reported that hash or
    /// received the source's state verified against it), each rank compares its own hash with it: every replica equal to
    /// one hash is every replica equal, with no collective operation — a recovery saves a broadcast and an all-reduce,
    /// 4(N−1) latencies on the flat ring (docs/scaling.md). Only the rank that differs sees the mismatch; it stops the run
    /// as a failed check does. Without an announced hash (the seed, a checkpoint) the hashes are compared over the data
    /// plane. Returns the mismatches this rank knows of; <paramref name="reference"/> is the hash compared against.
    /// </summary>
    public static int CountStartMismatches(ICollective collective, string localHash, string? announcedHash, out string reference,
        CancellationToken cancel = default)
    {
        if (announcedHash == null) return CountMismatches(collective, localHash, out reference, cancel);
        reference = announcedHash;
        return localHash == announcedHash ? 0 : 1;
    }

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
