using GanCluster.Core.Data;

namespace GanCluster.Core.Tests.Progressive;

/// <summary>A growth step changes the batch size; the data stream must go on from exactly where it was.</summary>
public class ShardedSamplerResizeTests
{
    [Fact]
    public void Resizing_continues_the_permutation_where_the_last_batch_ended()
    {
        var perm = ShardedSampler.Permutation(40, 9, 0);
        var ranks = Enumerable.Range(0, 2).Select(r => new ShardedSampler(40, 9, r, 2, 4)).ToList();
        var seen = new List<int>();
        foreach (int size in new[] { 4, 4, 2, 2, 3 })
        {
            foreach (var s in ranks) s.Resize(size);
            var batches = ranks.Select(s => s.NextBatch()).ToList();
            for (int i = 0; i < size; i++) seen.AddRange([batches[0][i], batches[1][i]]);
        }
        Assert.Equal(perm.Take(seen.Count), seen);
        Assert.Equal(new DataPosition(0, 30), ranks[0].Position);
        Assert.Throws<ArgumentException>(() => ranks[0].Resize(21));
    }
}
