namespace GanCluster.Core.Progressive;

/// <summary>
/// One phase of a progressive schedule: images [<see cref="StartImages"/>, <see cref="EndImages"/>) of the run
/// (counted over all ranks) train at <see cref="Resolution"/>.
/// </summary>
public sealed record SchedulePhase(int Index, int Resolution, PhaseKind Kind, long StartImages, long EndImages, int BatchSize)
{
    public long Images => EndImages - StartImages;

    /// <summary>The JSON/YAML name of the phase kind: fade-in | stable.</summary>
    public string KindName => Kind == PhaseKind.FadeIn ? "fade-in" : "stable";

    /// <summary>Alpha after <paramref name="images"/> images of the run: linear over a fade-in, 1 otherwise.</summary>
    public double AlphaAt(long images) =>
        Kind == PhaseKind.Stable ? 1.0 : Math.Clamp((images - StartImages) / (double)Images, 0.0, 1.0);
}
