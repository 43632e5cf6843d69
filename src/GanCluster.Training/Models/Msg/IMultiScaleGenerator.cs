using static TorchSharp.torch;

namespace GanCluster.Training.Models.Msg;

/// <summary>A generator with an image at every block's resolution (MSG-GAN); its forward gives the final one.</summary>
public interface IMultiScaleGenerator
{
    /// <summary>The images for latents <paramref name="z"/> at every scale, smallest (4x4) first, the final resolution last.</summary>
    IReadOnlyList<Tensor> Scales(Tensor z);
}
