namespace GanCluster.Core.Spec;

/// <summary>A differentiable augmentation of D's input (augment.ops), as in DiffAugment's reference code.</summary>
public enum AugmentOp
{
    /// <summary>Shift by up to 1/8 of the side in each direction, zero fill.</summary>
    Translation,
    /// <summary>Zero a square of half the side at a random place.</summary>
    Cutout,
    /// <summary>Random brightness, saturation and contrast.</summary>
    Color,
}
