namespace GanCluster.TestBed.Cluster;

/// <summary>Bounds of a nemesis run: how long to wait for the cluster to heal between faults, and for the whole run.</summary>
public sealed record NemesisRunOptions
{
    /// <summary>Before a fault that follows another: wait at most this long for the cluster to heal (then go on anyway).</summary>
    public TimeSpan HealTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The whole run: faults plus the run reaching its last step. Past it the nodes are stopped.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public Action<string> Say { get; init; } = Console.WriteLine;
}
