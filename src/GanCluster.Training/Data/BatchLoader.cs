using GanCluster.Core.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>
/// Turns the sampler's indices into batches of images, preparing the next batch on the thread pool while
/// the current one trains. <see cref="Position"/> is the position after the last batch handed out (what a
/// checkpoint must record), not the prefetched one.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    readonly ImageSource _source;
    readonly ShardedSampler _sampler;
    Task<(float[] Pixels, DataPosition After)>? _next;

    public BatchLoader(ImageSource source, ShardedSampler sampler)
    {
        _source = source;
        _sampler = sampler;
        Position = sampler.Position;
    }

    public DataPosition Position { get; private set; }

    public ShardedSampler Sampler => _sampler;

    /// <summary>Moves to <paramref name="position"/>, discarding any prefetched batch.</summary>
    public void Seek(DataPosition position)
    {
        _next?.Wait();
        _next = null;
        _sampler.Seek(position);
        Position = position;
    }

    /// <summary>Per-rank images per batch. Setting it discards a prefetched batch of the old size; the position is unchanged.</summary>
    public int BatchSize
    {
        get => _sampler.BatchSize;
        set
        {
            if (value == _sampler.BatchSize) return;
            var position = Position;
            _sampler.Resize(value);
            Seek(position);
        }
    }

    /// <summary>The next batch as a float tensor [batch, channels, resolution, resolution] in [-1, 1].</summary>
    public Tensor Next()
    {
        var (pixels, after) = (_next ?? Prepare()).GetAwaiter().GetResult();
        Position = after;
        _next = Prepare();
        int r = _source.Resolution;
        return tensor(pixels, new long[] { _sampler.BatchSize, _source.Channels, r, r });
    }

    Task<(float[], DataPosition)> Prepare()
    {
        var indices = _sampler.NextBatch();
        var after = _sampler.Position;
        return Task.Run(() =>
        {
            int n = _source.PixelsPerImage;
            var pixels = new float[indices.Length * n];
            System.Threading.Tasks.Parallel.For(0, indices.Length, i => _source.Read(indices[i], pixels.AsSpan(i * n, n)));
            return (pixels, after);
        });
    }

    public void Dispose()
    {
        try { _next?.Wait(); }
        catch (AggregateException) { } // a failed prefetch no longer matters
    }
}
