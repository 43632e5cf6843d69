namespace GanCluster.TestBed.Network;

/// <summary>Per-host settings beyond its name: files mounted into it, as a pod's volumes.</summary>
public sealed record HostOptions
{
    /// <summary>Bind mounts (source on this machine -> target inside the host; the target must exist).</summary>
    public IReadOnlyList<(string Source, string Target)> Mounts { get; init; } = [];
}
