namespace GanCluster.Core.Spec;

/// <summary>How D's inputs are augmented (augment.kind).</summary>
public enum AugmentKind
{
    /// <summary>D sees the images as they are.</summary>
    None,
    /// <summary>DiffAugment (Zhao et al. 2020): every op on every real and fake image, with fresh parameters each time.</summary>
    Diffaugment,
    /// <summary>ADA (Karras et al. 2020): each op on each image with probability p, p steered by r_t toward a target.</summary>
    Ada,
}
