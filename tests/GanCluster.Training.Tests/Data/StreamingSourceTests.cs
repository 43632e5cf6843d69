using GanCluster.Core.Data;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

/// <summary>
/// Sources hold native pixels and resize per read; the loader holds a bounded number of batches. Before this, the IDX
/// source resized all 10,000 digits up front into one array, which overflowed at 512 px.
/// </summary>
public class StreamingSourceTests
{
    static InMemoryImageSource Embedded(int resolution, int channels = 1) =>
        ImageSources.OpenIdx(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile), resolution, channels, null, null);

    [Theory]
    [InlineData(512)]
    [InlineData(1024)]
    public void The_embedded_set_at_a_high_resolution_keeps_only_its_native_pixels(int resolution)
    {
        var source = Embedded(resolution, channels: 3);
        Assert.Equal(10_000, source.Count);
        Assert.Equal(10_000L * 28 * 28, source.ResidentBytes); // not 10,000 x 3 x resolution²
        var pixels = new float[source.PixelsPerImage];
        source.Read(9_999, pixels);
        Assert.All(pixels, v => Assert.InRange(v, -1f, 1f));
        Assert.True(pixels.Max() > 0.5f && pixels.Min() < -0.5f, "a digit: dark background, bright strokes");
        // Gray to RGB: the three planes are equal.
        int plane = resolution * resolution;
        Assert.True(pixels.AsSpan(0, plane).SequenceEqual(pixels.AsSpan(2 * plane, plane)));
    }

    [Fact]
    public void Reading_at_the_native_size_returns_the_idx_bytes_unchanged()
    {
        var idx = IdxFile.Read(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile));
        var source = Embedded(28);
        Assert.True(source.ReadBytes(3).SequenceEqual(idx.Data.AsSpan(3 * 784, 784)));
    }

    [Fact]
    public void The_loader_holds_at_most_prefetch_plus_one_batches_at_1024_px()
    {
        var source = Embedded(1024);
        const int batch = 4, prefetch = 2;
        using var loader = new BatchLoader(source, new ShardedSampler(source.Count, 1, 0, 1, batch), workers: 2, prefetch);
        for (int i = 0; i < 5; i++)
        {
            using var images = loader.Next();
            Assert.Equal(new long[] { batch, 1, 1024, 1024 }, images.shape);
        }
        long batchBytes = (long)batch * 1024 * 1024 * sizeof(float);
        Assert.InRange(loader.PeakBufferedBytes, batchBytes, (prefetch + 1) * batchBytes);
    }

    [Fact]
    public void Changing_the_resolution_reads_the_same_images_smaller_from_the_same_position()
    {
        var source = Embedded(32);
        using var growing = new BatchLoader(source, new ShardedSampler(source.Count, 9, 0, 1, 8), workers: 2, prefetch: 3);
        using var small = new BatchLoader(source, new ShardedSampler(source.Count, 9, 0, 1, 8), workers: 0) { Resolution = 8 };
        using (var first = growing.Next()) Assert.Equal(32, first.shape[3]);
        small.Next().Dispose();
        growing.Resolution = 8; // the prefetched 32 px batches are dropped, not skipped
        using var a = growing.Next();
        using var b = small.Next();
        Assert.Equal(new long[] { 8, 1, 8, 8 }, a.shape);
        Assert.True(a.eq(b).all().item<bool>(), "the batch after the switch is the next batch of the data order, read at 8 px");
        Assert.Equal(small.Position, growing.Position);
    }

    [Fact]
    public void Workers_and_prefetch_do_not_change_the_batches()
    {
        var source = Embedded(16);
        using var inline = new BatchLoader(source, new ShardedSampler(source.Count, 4, 0, 1, 16), workers: 0);
        using var pooled = new BatchLoader(source, new ShardedSampler(source.Count, 4, 0, 1, 16), workers: 3, prefetch: 4);
        for (int i = 0; i < 4; i++)
        {
            using var a = inline.Next();
            using var b = pooled.Next();
            Assert.True(a.eq(b).all().item<bool>());
        }
    }
}
