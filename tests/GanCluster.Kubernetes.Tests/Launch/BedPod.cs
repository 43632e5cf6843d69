using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>One pod of a <see cref="BedLaunch"/>: its launch description, the bed host it runs on (named after the pod) and its process.</summary>
public sealed record BedPod(PodLaunch Launch, BedHost Host, BedProcess Process)
{
    /// <summary>The trainer id its trainer registers with (HOSTNAME:PID/DEVICE; the process runs the CLI itself, exec'd by the sandbox).</summary>
    public string? TrainerId(int device = 0) => Process.Pid is { } pid ? $"{Launch.Hostname}:{pid}/{device}" : null;
}
