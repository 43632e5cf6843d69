namespace GanCluster.Core.Progressive;

/// <summary>What a resolution is doing: fading its new block in (alpha 0 -> 1), or training at alpha 1.</summary>
public enum PhaseKind
{
    FadeIn,
    Stable,
}
