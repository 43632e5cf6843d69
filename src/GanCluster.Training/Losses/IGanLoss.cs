using static TorchSharp.torch;

namespace GanCluster.Training.Losses;

/// <summary>An adversarial loss: how D is scored on real and fake logits, and how G is scored.</summary>
public interface IGanLoss
{
    /// <summary>D's loss. <paramref name="fake"/> is detached from G. May call D again (gradient penalty).</summary>
    Tensor Discriminator(nn.Module<Tensor, Tensor> d, Tensor real, Tensor fake, Tensor realLogits, Tensor fakeLogits, Generator rng);

    /// <summary>
    /// G's loss from D's logits on G's samples. <paramref name="realLogits"/> computes D's logits on the real batch
    /// (after D's update): only relativistic losses call it, so the others pay nothing for it.
    /// </summary>
    Tensor Generator(Tensor fakeLogits, Func<Tensor> realLogits);

    /// <summary>D's output reported as "D(x)": a probability for BCE, the raw critic value otherwise.</summary>
    Tensor Report(Tensor logits);
}
