namespace GanCluster.Core.Spec;

public enum PlateauMode
{
    Min,
    Max,
}
