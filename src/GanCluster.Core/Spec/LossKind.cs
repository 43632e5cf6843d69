namespace GanCluster.Core.Spec;

public enum LossKind
{
    /// <summary>Non-saturating binary cross-entropy (the DCGAN loss).</summary>
    Bce,
    /// <summary>Hinge loss (SAGAN, BigGAN).</summary>
    Hinge,
    /// <summary>Wasserstein loss with gradient penalty (lambda 10) and ProGAN's drift term 0.001 * D(x)^2.</summary>
    WganGp,
    /// <summary>Relativistic average hinge (Jolicoeur-Martineau 2018; MSG-GAN's choice): each side judged against the other's mean.</summary>
    RaHinge,
}
