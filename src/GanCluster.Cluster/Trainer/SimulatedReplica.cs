using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Collapse;
using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Training.Distributed;

namespace GanCluster.Cluster.Trainer;

/// <summary>
/// A replica without a model (`gancluster trainer --simulate`), so that tens to hundreds of members fit on one machine:
/// each step sleeps for the configured compute time, then all-reduces a flat buffer of gradients over the real data
/// plane and applies the average to a weight vector of the same size, exactly as the GAN's step does with its
/// FlatGradients (the last slot carries the stop vote). The gradients depend only on (seed, step, rank), so replicas
/// stay bit-identical and their hashes, state transfers and the end-of-run comparison mean what they mean for the GAN.
/// Rank 0 checks the world fence after every step (docs/architecture.md, invariant 5). No checkpoints, no tensors: the
/// process never loads libtorch.
/// </summary>
public sealed class SimulatedReplica : IRankReplica
{
    const float LearningRate = 1e-3f;

    readonly SimulationOptions _options;
    readonly string _runDir;
    readonly long _totalSteps;
    readonly int _perRankBatch;
    readonly long _seed;
    readonly int _hashEvery;
    readonly float[] _weights;
    readonly float[] _buffer; // gradients, then the stop vote
    ICollective _collective = SingleProcessCollective.Instance;
    long _epoch;
    string? _startHash; // the world's start state as announced by the coordinator (BindWorld)
    long _step;

    public SimulatedReplica(TrainerSettings settings, SimulationOptions options)
    {
        _options = options;
        _runDir = settings.RunDir;
        _totalSteps = settings.Spec.Steps ?? Core.Spec.RunSpec.DefaultSteps; // a progressive spec counts images; the simulation counts steps
        _perRankBatch = settings.Spec.BatchSize;
        _seed = settings.Spec.Seed;
        _hashEvery = settings.Spec.Cluster.HashEvery;
        _weights = new float[options.GradientFloats];
        for (int i = 0; i < _weights.Length; i++) _weights[i] = Pattern(_seed, 0, 0, i); // every rank starts identical
        _buffer = new float[options.GradientFloats + 1];
    }

    /// <summary>The <see cref="ReplicaFactory"/> of `gancluster trainer --simulate`.</summary>
    public static ReplicaFactory Factory(SimulationOptions options) => (settings, _, _) => new SimulatedReplica(settings, options);

    public event Action<ReplicaProgress>? StepCompleted;

    public long Step => _step;

    public bool Finished => _step >= _totalSteps;

    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(StateForTransfer()));

    /// <summary>[i64 step][f32 weights...], little-endian.</summary>
    public byte[] StateForTransfer()
    {
        var state = new byte[8 + _weights.Length * 4];
        BinaryPrimitives.WriteInt64LittleEndian(state, _step);
        MemoryMarshal.AsBytes(_weights.AsSpan()).CopyTo(state.AsSpan(8));
        return state;
    }

    public void RestoreFromTransfer(byte[] state, string? sourceHash)
    {
        if (state.Length != 8 + _weights.Length * 4)
            throw new InvalidDataException($"simulated state of {state.Length} bytes, expected {8 + _weights.Length * 4} (same --simulate-gradient-kib on every trainer)");
        string hash = Convert.ToHexStringLower(SHA256.HashData(state));
        if (sourceHash != null && hash != sourceHash) throw new InvalidDataException($"transferred state hash {hash} is not the source's {sourceHash}");
        _step = BinaryPrimitives.ReadInt64LittleEndian(state);
        MemoryMarshal.Cast<byte, float>(state.AsSpan(8)).CopyTo(_weights);
    }

    public void RestoreCheckpoint(string path) =>
        throw new NotSupportedException($"a simulated trainer writes and reads no checkpoints (asked to load {path})");

    public void BindWorld(ICollective collective, WorldFormed world, Action<long, CollapseFlagState> collapseSuspected)
    {
        _collective = collective;
        _epoch = world.Epoch;
        _startHash = world.SourceHash;
    }

    public long Run(CancellationToken stop, CancellationToken abort)
    {
        long startStep = _step;
        double imagesPerSecond = 0;
        if (_collective.WorldSize > 1) CheckReplicas(abort, _startHash); // same start, proven before the first step (as the GAN does)
        int n = _collective.WorldSize;
        var grads = _buffer.AsSpan(0, _weights.Length);
        while (!Finished)
        {
            abort.ThrowIfCancellationRequested();
            if (n == 1 && stop.IsCancellationRequested) break;
            var clock = Stopwatch.StartNew();
            if (abort.WaitHandle.WaitOne(_options.StepMilliseconds)) abort.ThrowIfCancellationRequested(); // the "compute"
            long step = _step + 1;
            for (int i = 0; i < grads.Length; i++) grads[i] = Pattern(_seed, step, _collective.Rank + 1, i);
            _buffer[^1] = stop.IsCancellationRequested ? 1 : 0;
            _collective.AllReduceSum(_buffer, abort); // a failure leaves the weights at the last committed step
            float scale = LearningRate / n;
            for (int i = 0; i < grads.Length; i++) _weights[i] -= scale * grads[i];
            _step = step;
            if (_hashEvery > 0 && n > 1 && step % _hashEvery == 0) CheckReplicas(abort);
            if (_collective.Rank == 0 && _epoch > 0 && !WorldFence.Admits(_runDir, _epoch, out long fence))
                throw new WorldFencedException(_epoch, fence);
            double rate = (double)_perRankBatch * n / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            StepCompleted?.Invoke(new ReplicaProgress(step, _totalSteps, imagesPerSecond, 0, 0, step - startStep));
            if (_buffer[^1] > 0) break; // a rank was asked to stop: every rank stops after the same step
        }
        return _step;
    }

    void CheckReplicas(CancellationToken cancel, string? announced = null)
    {
        string local = Hash();
        if (ReplicaCheck.CountStartMismatches(_collective, local, announced, out string rank0, cancel) > 0)
            throw new ReplicaMismatchException(_step, local, rank0);
    }

    /// <summary>A value in [-0.5, 0.5) that depends only on its arguments (rank 0 here means "no rank": the initial weights).</summary>
    static float Pattern(long seed, long step, int rank, int index)
    {
        ulong x = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)rank * 0x94D049BB133111EBUL ^ (ulong)index;
        x ^= x >> 31;
        x *= 0xD6E8FEB86DA8F1C3UL;
        x ^= x >> 29;
        return (x >> 40) / (float)(1UL << 24) - 0.5f;
    }

    public void Dispose() { }
}
