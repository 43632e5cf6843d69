using GanCluster.Core.Parallel;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Distributed;

/// <summary>
/// BatchNorm in data-parallel training: each replica normalises with its own batch statistics (as PyTorch DDP
/// without SyncBatchNorm), and the running buffers used at evaluation time are averaged across ranks after
/// every step, so the replicas stay bit-identical and sample with the same statistics. Buffers are tiny
/// (2 floats per channel), so this costs one small all-reduce.
/// </summary>
public sealed class BufferAverager : IDisposable
{
    readonly List<Tensor> _buffers;
    readonly Tensor? _flat;

    public BufferAverager(IEnumerable<nn.Module> modules)
    {
        _buffers = modules.SelectMany(m => m.named_buffers())
            .Where(b => b.buffer.dtype == ScalarType.Float32 && !b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .Select(b => b.buffer)
            .ToList();
        long total = _buffers.Sum(b => b.numel());
        if (total > 0) _flat = zeros(total, dtype: ScalarType.Float32);
    }

    public int BufferCount => _buffers.Count;

    public void AllReduceMean(ICollective collective, CancellationToken cancel = default)
    {
        if (collective.WorldSize == 1 || _flat is null) return;
        using var _ = no_grad();
        long offset = 0;
        foreach (var b in _buffers)
        {
            using var slot = _flat.narrow(0, offset, b.numel());
            slot.copy_(b.reshape(-1));
            offset += b.numel();
        }
        collective.AllReduceSum(NativeMemory<float>.Of(_flat), cancel);
        _flat.div_(collective.WorldSize);
        offset = 0;
        foreach (var b in _buffers)
        {
            using var slot = _flat.narrow(0, offset, b.numel());
            b.copy_(slot.view(b.shape));
            offset += b.numel();
        }
    }

    public void Dispose() => _flat?.Dispose();
}
