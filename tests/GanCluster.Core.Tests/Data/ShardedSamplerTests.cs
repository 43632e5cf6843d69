using GanCluster.Core.Data;

namespace GanCluster.Core.Tests.Data;

public class ShardedSamplerTests
{
    [Fact]
    public void A_permutation_is_a_permutation_and_depends_on_seed_and_epoch()
    {
        var p = ShardedSampler.Permutation(1000, 7, 0);
        Assert.Equal(Enumerable.Range(0, 1000), p.Order());
        Assert.Equal(p, ShardedSampler.Permutation(1000, 7, 0));
        Assert.NotEqual(p, ShardedSampler.Permutation(1000, 7, 1));
        Assert.NotEqual(p, ShardedSampler.Permutation(1000, 8, 0));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Ranks_take_disjoint_shards_whose_union_is_the_single_rank_global_batch(int world)
    {
        const int batch = 5;
        var ranks = Enumerable.Range(0, world).Select(r => new ShardedSampler(100, 3, r, world, batch)).ToList();
        var single = new ShardedSampler(100, 3, 0, 1, batch * world);
        for (int step = 0; step < 12; step++) // crosses an epoch boundary (100 / 15 = 6 steps per epoch)
        {
            var shards = ranks.Select(s => s.NextBatch()).ToList();
            var union = shards.SelectMany(x => x).ToList();
            Assert.Equal(union.Count, union.Distinct().Count());
            Assert.Equal(single.NextBatch().Order(), union.Order());
        }
        Assert.All(ranks, s => Assert.Equal(single.Position, s.Position));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    public void A_rank_that_accumulates_draws_the_micro_batches_of_the_virtual_ranks_it_stands_for(int world, int accumulate)
    {
        // Gradient accumulation trains as a world `accumulate` times larger: rank r's micro-batch m is virtual rank
        // r x accumulate + m's shard, in that order, and the positions advance together.
        const int batch = 4;
        var ranks = Enumerable.Range(0, world).Select(r => new ShardedSampler(100, 3, r, world, batch, accumulate)).ToList();
        var virtualRanks = Enumerable.Range(0, world * accumulate).Select(v => new ShardedSampler(100, 3, v, world * accumulate, batch)).ToList();
        for (int step = 0; step < 10; step++) // crosses epoch boundaries
        {
            for (int r = 0; r < world; r++)
            {
                var drawn = ranks[r].NextBatch();
                Assert.Equal(batch * accumulate, drawn.Length);
                for (int m = 0; m < accumulate; m++)
                    Assert.Equal(virtualRanks[r * accumulate + m].NextBatch(), drawn.Skip(m * batch).Take(batch));
            }
        }
        Assert.All(ranks, s => Assert.Equal(virtualRanks[0].Position, s.Position));
    }

    [Fact]
    public void An_epoch_drops_the_tail_and_moves_to_the_next_permutation()
    {
        var s = new ShardedSampler(10, 1, 0, 1, 4);
        s.NextBatch();
        s.NextBatch();
        Assert.Equal(new DataPosition(0, 8), s.Position);
        s.NextBatch(); // only 2 left: a new epoch begins
        Assert.Equal(new DataPosition(1, 4), s.Position);
    }

    [Fact]
    public void Seeking_replays_the_same_batches()
    {
        var a = new ShardedSampler(50, 9, 1, 2, 4);
        for (int i = 0; i < 5; i++) a.NextBatch();
        var at = a.Position;
        var expected = Enumerable.Range(0, 4).Select(_ => a.NextBatch()).ToList();
        var b = new ShardedSampler(50, 9, 1, 2, 4);
        b.Seek(at);
        Assert.Equal(expected, Enumerable.Range(0, 4).Select(_ => b.NextBatch()).ToList());
    }

    [Fact]
    public void A_dataset_smaller_than_a_global_batch_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ShardedSampler(10, 1, 0, 2, 8));
    }

    [Fact]
    public void SplitMix64_is_the_reference_sequence()
    {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference implementation).
        var r = new SplitMix64(1234567);
        Assert.Equal(6457827717110365317UL, r.Next());
        Assert.Equal(3203168211198807973UL, r.Next());
    }
}
