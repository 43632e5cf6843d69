using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>A discriminator that exposes its penultimate features (used by diversity measures).</summary>
public interface IFeatureDiscriminator
{
    long FeatureSize { get; }

    Tensor Features(Tensor images);
}
