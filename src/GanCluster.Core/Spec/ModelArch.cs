namespace GanCluster.Core.Spec;

public enum ModelArch
{
    Dcgan,
    Progressive,
}
