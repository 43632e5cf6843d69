namespace GanCluster.Training.Models.Progressive;

/// <summary>What the progressive networks compute: output resolution, and whether (and how far) its block is fading in.</summary>
public readonly record struct ProgressiveStage(int Resolution, bool Fading, double Alpha)
{
    public static ProgressiveStage Stable(int resolution) => new(resolution, false, 1.0);
}
