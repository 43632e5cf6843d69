using GanCluster.Core.Parallel;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Distributed;

/// <summary>
/// All gradients of one network in one contiguous buffer (each parameter's .grad is a view into it, as
/// PyTorch DDP's gradient_as_bucket_view), followed by a few slots of per-step statistics. Backward
/// accumulates straight into the buffer, and one all-reduce averages gradients and statistics together,
/// so every rank logs and decides on the same numbers.
/// </summary>
public sealed class FlatGradients : IDisposable
{
    readonly Tensor _flat;
    readonly Tensor? _host; // staging copy when the parameters live on a GPU

    public FlatGradients(IReadOnlyList<Parameter> parameters, int statSlots, Device device)
    {
        ParameterCount = parameters.Sum(p => p.numel());
        StatSlots = statSlots;
        _flat = zeros(ParameterCount + statSlots, dtype: ScalarType.Float32, device: device);
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.numel();
            using var view = _flat.narrow(0, offset, n).view(p.shape);
            p.grad = view;
            offset += n;
        }
        Parameters = parameters;
        if (device.type != DeviceType.CPU) _host = zeros(ParameterCount + statSlots, dtype: ScalarType.Float32).pin_memory();
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    public long ParameterCount { get; }

    public int StatSlots { get; }

    /// <summary>Bytes one all-reduce moves per rank (gradients and statistics).</summary>
    public long Bytes => (ParameterCount + StatSlots) * sizeof(float);

    public void Zero() => _flat.zero_();

    /// <summary>Writes this rank's statistics into the slots after the gradients.</summary>
    public void SetStats(Tensor stats)
    {
        using var slots = _flat.narrow(0, ParameterCount, StatSlots);
        slots.copy_(stats.detach().to(float32).view(-1));
    }

    /// <summary>Averages the buffer over all ranks (no-op for a world of one).</summary>
    public void AllReduceMean(ICollective collective, CancellationToken cancel = default)
    {
        if (collective.WorldSize == 1) return;
        if (_host is null)
        {
            collective.AllReduceSum(NativeMemory<float>.Of(_flat), cancel);
        }
        else
        {
            _host.copy_(_flat);
            collective.AllReduceSum(NativeMemory<float>.Of(_host), cancel);
            _flat.copy_(_host);
        }
        _flat.DivideInPlace(collective.WorldSize);
    }

    /// <summary>The averaged statistics and the L2 norm of the averaged gradient (NaN/Inf when any entry is).</summary>
    public (float[] Stats, double GradNorm) Read()
    {
        using var scope = NewDisposeScope();
        var norm = _flat.narrow(0, 0, ParameterCount).norm();
        var all = cat([_flat.narrow(0, ParameterCount, StatSlots), norm.view(1)]).cpu();
        var values = all.data<float>().ToArray();
        return (values[..StatSlots], values[StatSlots]);
    }

    /// <summary>A read-only view of the gradients (for tests and diagnostics).</summary>
    public Tensor Gradients => _flat.narrow(0, 0, ParameterCount);

    public void Dispose()
    {
        _flat.Dispose();
        _host?.Dispose();
    }
}
