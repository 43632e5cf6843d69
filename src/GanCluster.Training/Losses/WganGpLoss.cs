using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Losses;

/// <summary>
/// WGAN-GP (Gulrajani et al. 2017): critic loss D(fake) - D(real) + lambda * (||grad D(x_hat)|| - 1)^2 on random
/// interpolates, plus ProGAN's drift term 0.001 * D(real)^2 that keeps the critic's output near zero.
/// </summary>
public sealed class WganGpLoss(double lambda = 10.0, double drift = 0.001) : IGanLoss
{
    public double Lambda { get; } = lambda;

    public double Drift { get; } = drift;

    public Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng)
    {
        var eps = rand(new long[] { real.shape[0], 1, 1, 1 }, generator: rng, device: real.device);
        var mixed = (eps * real + ScalarOps.Minus(1, eps) * fake).detach().requires_grad_(true);
        var mixedLogits = d.forward(mixed);
        // TorchSharp does not default retain_graph to create_graph (PyTorch does): without it the critic's graph is freed
        // here and the penalty's backward fails on any layer that saves its input (e.g. a dense layer).
        var grads = autograd.grad([mixedLogits.sum()], [mixed], retain_graph: true, create_graph: true)[0];
        var penalty = grads.flatten(1).norm(dim: 1).Plus(-1).square().mean();
        return fakeLogits.mean() - realLogits.mean() + penalty.Times(Lambda) + realLogits.square().mean().Times(Drift);
    }

    public Tensor Generator(Tensor fakeLogits, Func<Tensor> realLogits) => -fakeLogits.mean();

    public Tensor Report(Tensor logits) => logits;
}
