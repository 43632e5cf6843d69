using GanCluster.Training.Tensors;
using static TorchSharp.torch;

namespace GanCluster.Training.Regularization;

/// <summary>
/// The R1 gradient penalty (Mescheder et al. 2018): gamma/2 * E[||grad_x D(x)||^2] on real images, which keeps D
/// from sharpening its decision around the data. Lazy as in StyleGAN2: computed every <see cref="Every"/> steps and
/// scaled by it, so the average weight stays gamma.
/// </summary>
public sealed class R1Penalty(double gamma, int every)
{
    public double Gamma { get; } = gamma;

    public int Every { get; } = every;

    public bool IsDue(long step) => Gamma > 0 && step % Every == 0;

    /// <summary>
    /// The penalty for logits <paramref name="realLogits"/> = D(<paramref name="reals"/>), where the reals require grad;
    /// the graph is kept so that backward reaches D's weights through the gradient.
    /// </summary>
    public Tensor Compute(Tensor reals, Tensor realLogits)
    {
        var grads = autograd.grad([realLogits.sum()], [reals], retain_graph: true, create_graph: true)[0];
        return grads.square().flatten(1).sum(1).mean().Times(Gamma / 2 * Every);
    }
}
