using GanCluster.Core.Spec;

namespace GanCluster.Training.Losses;

public static class GanLosses
{
    public static IGanLoss Create(LossKind kind) => kind switch
    {
        LossKind.Bce => new BceLoss(),
        LossKind.Hinge => new HingeLoss(),
        LossKind.WganGp => new WganGpLoss(),
        LossKind.RaHinge => new RaHingeLoss(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
