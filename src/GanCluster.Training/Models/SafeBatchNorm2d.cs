using GanCluster.Training.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Models;

/// <summary>
/// BatchNorm2d (PyTorch's defaults: eps 1e-5, momentum 0.1, affine, running statistics) whose step counter update
/// keeps its Scalar alive during the native call. TorchSharp 0.107's BatchNorm does
/// <c>num_batches_tracked.add_(1)</c> with an implicit, unreachable Scalar temporary that the GC may finalize while
/// libtorch reads it (see <see cref="Tensors.ScalarOps"/>); `make bench-step` hit "Unknown scalar type" there.
/// Parameter and buffer names are PyTorch's (weight, bias, running_mean, running_var, num_batches_tracked), so
/// checkpoints and state_dicts are unchanged.
/// </summary>
public sealed class SafeBatchNorm2d : Module<Tensor, Tensor>
{
    const double Eps = 1e-5, Momentum = 0.1;

    public SafeBatchNorm2d(long features) : base(nameof(BatchNorm2d))
    {
        register_parameter("weight", Parameter(ones(features)));
        register_parameter("bias", Parameter(zeros(features)));
        register_buffer("running_mean", zeros(features));
        register_buffer("running_var", ones(features));
        register_buffer("num_batches_tracked", tensor(0L));
    }

    // Looked up by name on every call (no fields): `to(device)` replaces the registered tensors.
    public override Tensor forward(Tensor input)
    {
        var runningMean = get_buffer("running_mean")!;
        var runningVar = get_buffer("running_var")!;
        if (training)
            using (no_grad()) get_buffer("num_batches_tracked")!.add_(ScalarOps.One, ScalarOps.One); // rooted Scalars: no race
        return F.batch_norm(input, runningMean, runningVar, get_parameter("weight"), get_parameter("bias"), training, Momentum, Eps);
    }
}
