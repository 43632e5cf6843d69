using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Losses;

/// <summary>Hinge loss (Lim & Ye 2017; SAGAN, BigGAN).</summary>
public sealed class HingeLoss : IGanLoss
{
    public Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng) =>
        relu(1.0 - realLogits).mean() + relu(1.0 + fakeLogits).mean();

    public Tensor Generator(Tensor fakeLogits) => -fakeLogits.mean();

    public Tensor Report(Tensor logits) => logits;
}
