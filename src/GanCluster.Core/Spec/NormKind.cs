namespace GanCluster.Core.Spec;

/// <summary>Normalisation inside the DCGAN blocks.</summary>
public enum NormKind
{
    /// <summary>BatchNorm, as in the DCGAN paper.</summary>
    Batch,
    /// <summary>No normalisation (needed for exact data-parallel equivalence checks and WGAN-GP critics).</summary>
    None,
}
