using System.Diagnostics;
using GanCluster.Core.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>
/// Turns the sampler's indices into batches of images (PyTorch's DataLoader): up to <see cref="Prefetch"/> batches
/// are decoded and resized ahead of the trainer by <see cref="Workers"/> threads, so memory holds at most
/// Prefetch + 1 batches at the resolution being trained, whatever the dataset's size. Workers 0 loads each batch on
/// the caller's thread when it is asked for. <see cref="Position"/> is the position after the last batch handed out
/// (what a checkpoint must record), not the prefetched ones.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    readonly ImageSource _source;
    readonly ShardedSampler _sampler;
    readonly TaskScheduler? _workers;
    readonly Queue<Pending> _queue = new();
    int _resolution;
    long _bufferedBytes;

    sealed record Pending(Task<float[]> Pixels, DataPosition After, int Resolution, int BatchSize, long Bytes);

    /// <param name="workers">threads decoding and resizing images (data.workers); 0: on the caller's thread</param>
    /// <param name="prefetch">batches prepared ahead of the trainer (data.prefetch); ignored with 0 workers</param>
    public BatchLoader(ImageSource source, ShardedSampler sampler, int workers = 2, int prefetch = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        _source = source;
        _sampler = sampler;
        Workers = workers;
        Prefetch = workers == 0 ? 0 : prefetch;
        // One scheduler for every batch in flight: at most `workers` threads decode, however many batches are queued.
        _workers = workers == 0 ? null : new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, workers).ConcurrentScheduler;
        _resolution = source.Resolution;
        Position = sampler.Position;
    }

    public int Workers { get; }

    public int Prefetch { get; }

    public DataPosition Position { get; private set; }

    public ShardedSampler Sampler => _sampler;

    /// <summary>Seconds the last <see cref="Next"/> waited for its batch (the trainer was starved of data).</summary>
    public double LastWaitSeconds { get; private set; }

    /// <summary>The most bytes of batch buffers held at once (prefetched and being handed out): bounded by (Prefetch + 1) batches.</summary>
    public long PeakBufferedBytes { get; private set; }

    /// <summary>Moves to <paramref name="position"/>, discarding any prefetched batch.</summary>
    public void Seek(DataPosition position)
    {
        Drain();
        _sampler.Seek(position);
        Position = position;
    }

    /// <summary>Per-rank images per batch. Setting it discards prefetched batches of the old size; the position is unchanged.</summary>
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

    /// <summary>
    /// The side length batches are read at (default: the source's). A progressive run sets the resolution it trains at,
    /// so images are decoded and resized once, to that size. Setting it discards prefetched batches of the old size.
    /// </summary>
    public int Resolution
    {
        get => _resolution;
        set
        {
            if (value == _resolution) return;
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _resolution = value;
            Seek(Position);
        }
    }

    /// <summary>The next batch as a float tensor [batch, channels, Resolution, Resolution] in [-1, 1].</summary>
    public Tensor Next()
    {
        var wait = Stopwatch.StartNew(); // with 0 workers the whole load is waiting
        var pending = _queue.Count > 0 ? _queue.Dequeue() : Prepare();
        var pixels = pending.Pixels.GetAwaiter().GetResult();
        LastWaitSeconds = wait.Elapsed.TotalSeconds;
        Position = pending.After;
        int r = pending.Resolution;
        var batch = tensor(pixels, new long[] { pending.BatchSize, _source.Channels, r, r });
        _bufferedBytes -= pending.Bytes;
        while (_queue.Count < Prefetch) _queue.Enqueue(Prepare());
        return batch;
    }

    Pending Prepare()
    {
        var indices = _sampler.NextBatch();
        var after = _sampler.Position;
        int resolution = _resolution, n = _source.PixelsAt(resolution);
        long bytes = (long)indices.Length * n * sizeof(float);
        _bufferedBytes += bytes;
        PeakBufferedBytes = Math.Max(PeakBufferedBytes, _bufferedBytes);
        float[] Load()
        {
            var pixels = new float[indices.Length * n];
            if (_workers == null)
                for (int i = 0; i < indices.Length; i++) _source.Read(indices[i], resolution, pixels.AsSpan(i * n, n));
            else
                Parallel.For(0, indices.Length, new ParallelOptions { TaskScheduler = _workers, MaxDegreeOfParallelism = Workers },
                    i => _source.Read(indices[i], resolution, pixels.AsSpan(i * n, n)));
            return pixels;
        }
        var task = _workers == null
            ? new Task<float[]>(Load) // run by Next, on the caller's thread
            : Task.Factory.StartNew(Load, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _workers);
        if (_workers == null) task.RunSynchronously();
        return new Pending(task, after, resolution, indices.Length, bytes);
    }

    /// <summary>Waits for and drops every prefetched batch (a failed one no longer matters).</summary>
    void Drain()
    {
        while (_queue.TryDequeue(out var pending))
        {
            try { pending.Pixels.Wait(); }
            catch (AggregateException) { }
            _bufferedBytes -= pending.Bytes;
        }
    }

    public void Dispose() => Drain();
}
