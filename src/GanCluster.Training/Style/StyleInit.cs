namespace GanCluster.Training.Style;

/// <summary>Where the optimised image starts.</summary>
public enum StyleInit
{
    /// <summary>The content image: converges fastest and keeps the layout best (the usual choice).</summary>
    Content,

    /// <summary>Uniform noise (seeded): the original paper's start; needs more steps.</summary>
    Noise,
}
