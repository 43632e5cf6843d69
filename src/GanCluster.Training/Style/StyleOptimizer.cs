namespace GanCluster.Training.Style;

/// <summary>How the image is optimised.</summary>
public enum StyleOptimizer
{
    /// <summary>L-BFGS (Gatys et al.'s choice): few, well-aimed steps; one loss evaluation per step here.</summary>
    Lbfgs,

    /// <summary>Adam on the pixels: simpler and steadier per step, usually needs more steps.</summary>
    Adam,
}
