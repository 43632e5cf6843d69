using TorchSharp.Modules;

namespace GanCluster.Training.Models.Progressive;

/// <summary>A layer whose weight is initialised by <see cref="ProgressiveInit"/>: N(0, 1) when equalized, N(0, HeStd) when not.</summary>
public interface IEqualizedLayer
{
    double HeStd { get; }

    bool Equalized { get; }

    Parameter Weight { get; }
}
