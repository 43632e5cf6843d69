namespace GanCluster.Core.Spec;

/// <summary>How the MSG discriminator joins a scale's image with its features at that scale (MSG-GAN, section 3.2).</summary>
public enum MsgCombine
{
    /// <summary>phi_simple: the image's channels concatenated to the features.</summary>
    Simple,
    /// <summary>phi_lin_cat: a 1x1 convolution of the image (linear), concatenated to the features.</summary>
    [SpecName("lin_cat")]
    LinCat,
}
