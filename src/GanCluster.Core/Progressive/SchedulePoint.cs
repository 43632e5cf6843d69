namespace GanCluster.Core.Progressive;

/// <summary>Where a schedule stands at an image count: the phase, its resolution, alpha, batch size and base rates.</summary>
public sealed record SchedulePoint(SchedulePhase Phase, double Alpha, double LrG, double LrD, bool Finished)
{
    public int Resolution => Phase.Resolution;

    public PhaseKind Kind => Phase.Kind;

    public int BatchSize => Phase.BatchSize;
}
