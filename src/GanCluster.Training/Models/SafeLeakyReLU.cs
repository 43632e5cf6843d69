using GanCluster.Training.Tensors;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>LeakyReLU whose slope Scalar stays alive during the native call (see <see cref="ScalarOps"/>).</summary>
public sealed class SafeLeakyReLU(double negativeSlope) : Module<Tensor, Tensor>(nameof(SafeLeakyReLU))
{
    public override Tensor forward(Tensor x) => x.LeakyRelu(negativeSlope);
}
