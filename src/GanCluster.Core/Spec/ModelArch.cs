namespace GanCluster.Core.Spec;

public enum ModelArch
{
    Dcgan,
    Progressive,
    /// <summary>Multi-Scale Gradient GAN (Karnewar and Wang, CVPR 2020): every resolution trained at once.</summary>
    Msg,
}
