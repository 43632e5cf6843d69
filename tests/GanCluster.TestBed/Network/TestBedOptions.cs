namespace GanCluster.TestBed.Network;

/// <summary>Where a bed keeps its logs, and the size of each host's private /dev/shm.</summary>
public sealed record TestBedOptions
{
    /// <summary>Supervisor log, process logs, fault log. Default: a new folder under the system's temp folder.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Size of each host's /dev/shm (a tmpfs of its own).</summary>
    public string SharedMemorySize { get; init; } = "256m";
}
