namespace GanCluster.Core.Spec;

/// <summary>
/// Multi-Scale Gradient GAN (Karnewar and Wang 2020, MSG-GAN): the generator emits an image at every block's
/// resolution and the discriminator reads every one of them, so gradients reach every scale from the first step
/// (no growing, no fade-in). Only for model.arch msg; the layer options are ProGAN's (<see cref="ProGanLayersSpec"/>).
/// </summary>
public sealed class MsgSpec : ProGanLayersSpec, ISpecSection
{
    [SpecDoc("simple | lin_cat: how D joins each scale's image to its features there (the image's channels, or a 1x1 conv of it, concatenated)")]
    public MsgCombine Combine { get; set; } = MsgCombine.Simple;

    public void Validate(SpecProblems problems, string path) => ValidateLayers(problems, path);
}
