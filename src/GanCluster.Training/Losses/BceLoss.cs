using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Losses;

/// <summary>Non-saturating GAN loss (Goodfellow et al. 2014; DCGAN): G maximises log D(G(z)).</summary>
public sealed class BceLoss : IGanLoss
{
    public Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng) =>
        binary_cross_entropy_with_logits(realLogits, ones_like(realLogits)) +
        binary_cross_entropy_with_logits(fakeLogits, zeros_like(fakeLogits));

    public Tensor Generator(Tensor fakeLogits, Func<Tensor> realLogits) => binary_cross_entropy_with_logits(fakeLogits, ones_like(fakeLogits));

    public Tensor Report(Tensor logits) => logits.sigmoid();
}
