using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Losses;

/// <summary>Hinge loss (Lim & Ye 2017; SAGAN, BigGAN).</summary>
public sealed class HingeLoss : IGanLoss
{
    public Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng) =>
        ScalarOps.Minus(1.0, realLogits).relu().mean() + fakeLogits.Plus(1.0).relu().mean();

    public Tensor Generator(Tensor fakeLogits, Func<Tensor> realLogits) => -fakeLogits.mean();

    public Tensor Report(Tensor logits) => logits;
}
