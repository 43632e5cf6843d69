namespace GanCluster.TestBed.Checking;

/// <summary>The checker's allowances: how long a faulted node may stay out after its heal, and a new process to join.</summary>
public sealed record CheckerOptions
{
    /// <summary>A faulted node counts as faulted until this long after its heal (it may restart, rejoin meanwhile), or
    /// until the next fault starts, whichever is first.</summary>
    public TimeSpan RejoinAllowance { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A freshly started process is not expected in a world formed sooner than this after its start.</summary>
    public TimeSpan JoinAllowance { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after a heal the stall measure looks.</summary>
    public TimeSpan SettleWindow { get; init; } = TimeSpan.FromSeconds(30);
}
