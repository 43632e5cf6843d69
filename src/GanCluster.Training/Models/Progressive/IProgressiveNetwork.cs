using TorchSharp.Modules;

namespace GanCluster.Training.Models.Progressive;

/// <summary>A network that holds blocks for every resolution and computes the ones its stage needs.</summary>
public interface IProgressiveNetwork
{
    ProgressiveStage Stage { get; set; }

    /// <summary>The parameters the current stage uses (and so trains), in a fixed order.</summary>
    IReadOnlyList<Parameter> ActiveParameters();
}
