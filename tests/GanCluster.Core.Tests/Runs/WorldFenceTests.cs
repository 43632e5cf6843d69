using GanCluster.Core.IO;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Tests.Runs;

/// <summary>The world fence: monotonic, compare-and-swap, fails closed (docs/security.md).</summary>
public class WorldFenceTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("fence-").FullName;

    string FencePath => Path.Combine(_dir, WorldFence.FileName);

    [Fact]
    public void No_fence_admits_every_world_and_raising_it_only_moves_up()
    {
        Assert.Equal(0, WorldFence.Read(_dir));
        Assert.True(WorldFence.Admits(_dir, 1, out _));
        Assert.Equal(5, WorldFence.Raise(_dir, 5));
        Assert.Equal(5, WorldFence.Raise(_dir, 3)); // never down
        Assert.Equal(5, WorldFence.Read(_dir));
        Assert.False(WorldFence.Admits(_dir, 4, out long fence));
        Assert.Equal(5, fence);
        Assert.True(WorldFence.Admits(_dir, 5, out _));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("-3")]
    [InlineData("12abc")]
    public void A_fence_file_that_holds_no_epoch_admits_no_world_and_cannot_be_raised(string content)
    {
        File.WriteAllText(FencePath, content);
        Assert.Throws<InvalidDataException>(() => WorldFence.Read(_dir));
        Assert.False(WorldFence.Admits(_dir, 1_000_000, out long fence)); // fails closed: it used to read as epoch 0
        Assert.Equal(long.MaxValue, fence);
        Assert.Throws<InvalidDataException>(() => WorldFence.Raise(_dir, 7));
        Assert.Equal(content, File.ReadAllText(FencePath)); // nobody guessed an epoch over it
    }

    [Fact]
    public void Concurrent_raises_end_at_the_highest_epoch()
    {
        System.Threading.Tasks.Parallel.For(1, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, e => WorldFence.Raise(_dir, e));
        Assert.Equal(199, WorldFence.Read(_dir));
    }

    [Fact]
    public void A_publish_runs_only_while_the_world_is_admitted()
    {
        WorldFence.Raise(_dir, 4);
        bool published = false;
        Assert.False(WorldFence.PublishIfAdmitted(_dir, 3, () => published = true, out long fence));
        Assert.False(published);
        Assert.Equal(4, fence);
        Assert.True(WorldFence.PublishIfAdmitted(_dir, 4, () => published = true, out _));
        Assert.True(published);
    }

    [Fact]
    public void Writers_of_one_file_never_share_a_temp_file()
    {
        // Two writers in one process stand for two pods on a shared volume: every pod is PID 1.
        string path = Path.Combine(_dir, "shared.txt");
        var errors = new List<Exception>();
        System.Threading.Tasks.Parallel.For(0, 2, w =>
        {
            try { for (int i = 0; i < 200; i++) DurableFile.WriteAllText(path, $"writer {w} line {i}"); }
            catch (Exception e) { lock (errors) errors.Add(e); }
        });
        Assert.Empty(errors);
        Assert.Matches(@"^writer [01] line 199$", File.ReadAllText(path));
        Assert.Equal(["shared.txt"], Directory.GetFiles(_dir).Select(Path.GetFileName)); // no temp files left behind
    }
}
