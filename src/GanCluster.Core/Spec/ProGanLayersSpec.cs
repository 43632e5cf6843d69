namespace GanCluster.Core.Spec;

/// <summary>
/// ProGAN's layer options (Karras et al. 2018), the same in the progressive and the MSG networks, which are built
/// from the same layers: minibatch stddev before D's last block, equalized learning rate, pixelwise normalisation.
/// </summary>
public abstract class ProGanLayersSpec
{
    [SpecDoc("append the minibatch standard deviation as a feature map before D's last block")]
    public bool MinibatchStddev { get; set; } = true;

    [SpecDoc("group size of the minibatch standard deviation (the largest divisor of the batch up to this is used)")]
    public int MinibatchGroup { get; set; } = 4;

    [SpecDoc("equalized learning rate: weights drawn from N(0, 1) and scaled by He's constant at run time")]
    public bool EqualizedLr { get; set; } = true;

    [SpecDoc("pixelwise feature normalisation after each generator conv")]
    public bool PixelNorm { get; set; } = true;

    protected void ValidateLayers(SpecProblems problems, string path) =>
        problems.InRange($"{path}.minibatch_group", MinibatchGroup, 1, 64);
}
