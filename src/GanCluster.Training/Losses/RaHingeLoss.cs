using GanCluster.Training.Tensors;
using static TorchSharp.torch;

namespace GanCluster.Training.Losses;

/// <summary>
/// Relativistic average hinge loss (Jolicoeur-Martineau 2018; MSG-GAN's loss): D wants every real logit a margin of 1
/// above the fakes' mean and every fake one 1 below the reals' mean; G wants the reverse, so G's loss also reads D on
/// the real batch. The means are over this rank's batch (as BatchNorm's statistics are per replica).
/// </summary>
public sealed class RaHingeLoss : IGanLoss
{
    public Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng) =>
        Margins(realLogits, fakeLogits);

    public Tensor Generator(Tensor fakeLogits, Func<Tensor> realLogits) => Margins(fakeLogits, realLogits());

    public Tensor Report(Tensor logits) => logits;

    /// <summary>E[relu(1 - (a - mean b))] + E[relu(1 + (b - mean a))]: <paramref name="above"/> should beat the other side's mean.</summary>
    static Tensor Margins(Tensor above, Tensor below) =>
        ScalarOps.Minus(1.0, above - below.mean()).relu().mean() + (below - above.mean()).Plus(1.0).relu().mean();
}
