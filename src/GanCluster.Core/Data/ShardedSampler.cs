namespace GanCluster.Core.Data;

/// <summary>
/// DistributedSampler semantics: one seeded permutation of the whole dataset per epoch; each global batch is
/// the next world x batch entries of it, rank r taking every world-th entry starting at r. An epoch ends when
/// fewer than a global batch remain (the tail is dropped), so every rank does the same number of steps.
/// The position (epoch, global offset) makes checkpoints exact and survives a change of world size.
/// </summary>
public sealed class ShardedSampler
{
    readonly int _count;
    readonly ulong _seed;
    int[]? _permutation;
    long _permutationEpoch = -1;

    /// <param name="accumulate">micro-batches per step (gradient accumulation): the rank draws the shards of
    /// virtual ranks rank x accumulate .. rank x accumulate + accumulate - 1 of a world accumulate times larger, one
    /// micro-batch after the other, so a run that accumulates sees the images that larger world would.</param>
    public ShardedSampler(int count, long seed, int rank, int worldSize, int batchSize, int accumulate = 1)
    {
        if (accumulate <= 0) throw new ArgumentOutOfRangeException(nameof(accumulate));
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), "dataset is empty");
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        _count = count;
        _seed = (ulong)seed;
        Rank = rank;
        WorldSize = worldSize;
        BatchSize = batchSize;
        Accumulate = accumulate;
        CheckGlobalBatchFits(batchSize);
    }

    /// <summary>Every rank's every micro-batch must come from one epoch's permutation.</summary>
    void CheckGlobalBatchFits(int batchSize)
    {
        if ((long)WorldSize * Accumulate * batchSize <= _count) return;
        string batch = Accumulate == 1 ? $"{WorldSize} x {batchSize}" : $"{WorldSize} x {Accumulate} x {batchSize}";
        throw new ArgumentException($"dataset of {_count} images is smaller than one global batch ({batch})");
    }

    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>Images per micro-batch.</summary>
    public int BatchSize { get; private set; }

    /// <summary>Micro-batches per step; <see cref="NextBatch"/> returns BatchSize x Accumulate indices.</summary>
    public int Accumulate { get; }

    public long GlobalBatch => (long)WorldSize * Accumulate * BatchSize;

    public DataPosition Position { get; private set; }

    public void Seek(DataPosition position) => Position = position;

    /// <summary>
    /// Changes the per-rank batch size from the next batch on (progressive growing). The position counts global
    /// entries, so it stays exact: the next batch starts where the last one ended, only longer or shorter.
    /// </summary>
    public void Resize(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        CheckGlobalBatchFits(batchSize);
        BatchSize = batchSize;
    }

    /// <summary>The dataset indices of the next batch for this rank (micro-batch after micro-batch); advances the position.</summary>
    public int[] NextBatch()
    {
        if (Position.Offset + GlobalBatch > _count) Position = new DataPosition(Position.Epoch + 1, 0);
        var perm = PermutationFor(Position.Epoch);
        var batch = new int[BatchSize * Accumulate];
        long virtualWorld = (long)WorldSize * Accumulate;
        for (int m = 0; m < Accumulate; m++)
            for (int i = 0; i < BatchSize; i++)
                batch[m * BatchSize + i] = perm[Position.Offset + i * virtualWorld + (long)Rank * Accumulate + m];
        Position = Position with { Offset = Position.Offset + GlobalBatch };
        return batch;
    }

    int[] PermutationFor(long epoch)
    {
        if (_permutationEpoch == epoch && _permutation != null) return _permutation;
        _permutation = Permutation(_count, _seed, epoch);
        _permutationEpoch = epoch;
        return _permutation;
    }

    /// <summary>Fisher-Yates over SplitMix64 seeded by (seed, epoch): the same on every rank.</summary>
    public static int[] Permutation(int count, ulong seed, long epoch)
    {
        var p = new int[count];
        for (int i = 0; i < count; i++) p[i] = i;
        var rng = new SplitMix64(SplitMix64.Mix(seed, (ulong)epoch + 1));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
