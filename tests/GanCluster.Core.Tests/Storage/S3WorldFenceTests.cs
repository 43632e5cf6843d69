using Amazon.S3.Model;
using GanCluster.Core.Storage;
using GanCluster.Testing;
using S3Location = GanCluster.Core.Storage.S3Location;

namespace GanCluster.Core.Tests.Storage;

/// <summary>
/// The world fence on object storage: a compare-and-swap on the fence object's ETag where the server honours
/// conditional writes, and fail-closed where it does not (plain s3rver ignores If-None-Match and If-Match).
/// </summary>
[Collection(S3CollectionDefinition.Name)]
public sealed class S3WorldFenceTests
{
    static S3WorldFence Fence(string prefix) => new(S3Location.Parse(S3TestServer.Uri(prefix)));

    [Fact]
    public void Without_conditional_writes_the_fence_fails_closed()
    {
        using var server = S3TestServer.Start(conditionalWrites: false);
        using var env = server.UseInProcess();
        var fence = Fence("plain");

        var refused = Assert.Throws<InvalidDataException>(() => fence.RequireConditionalWrites());
        Assert.Contains("ignores conditional writes", refused.Message);
        Assert.Throws<InvalidDataException>(() => fence.Raise(1));
        bool published = false;
        Assert.False(fence.PublishIfAdmitted(5, () => published = true, out long at));
        Assert.False(published);
        Assert.Equal(long.MaxValue, at);
    }

    [Fact]
    public void With_conditional_writes_the_fence_only_rises_and_refuses_fenced_worlds()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        using var env = server.UseInProcess();
        var fence = Fence("cas");

        Assert.Equal(0, fence.Read());
        Assert.Equal(3, fence.Raise(3));
        Assert.Equal(3, fence.Raise(2)); // never down
        Assert.Equal(3, fence.Read());
        int published = 0;
        Assert.False(fence.PublishIfAdmitted(2, () => published++, out long seen));
        Assert.Equal(3, seen);
        Assert.True(fence.PublishIfAdmitted(3, () => published++, out _));
        Assert.Equal(1, published);
    }

    [Fact]
    public void A_raise_while_a_publication_is_in_flight_makes_the_writer_take_it_back()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        using var env = server.UseInProcess();
        var writer = Fence("race");
        var coordinator = Fence("race");
        coordinator.Raise(4);

        var moved = Assert.Throws<FenceMovedException>(() => writer.PublishIfAdmitted(4, () => coordinator.Raise(5), out _));
        Assert.Equal(5, moved.Fence);
    }

    [Fact]
    public void Concurrent_raises_end_at_the_highest_epoch()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        using var env = server.UseInProcess();
        System.Threading.Tasks.Parallel.For(1, 21, new ParallelOptions { MaxDegreeOfParallelism = 4 }, epoch => Fence("concurrent").Raise(epoch));
        Assert.Equal(20, Fence("concurrent").Read());
    }

    [Fact]
    public void A_fence_object_that_holds_no_epoch_admits_nobody_and_cannot_be_raised()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        using var env = server.UseInProcess();
        S3Connection.Run(() => S3Connection.Client.PutObjectAsync(new PutObjectRequest
            { BucketName = S3TestServer.Bucket, Key = "garbage/world-epoch", ContentBody = "junk", UseChunkEncoding = false }));
        var fence = Fence("garbage");

        Assert.False(fence.Admits(100, out long at));
        Assert.Equal(long.MaxValue, at);
        Assert.Throws<InvalidDataException>(() => fence.Raise(7));
    }
}
