using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>One pod of a <see cref="BedLaunch"/>: its launch description, the bed host it runs on (named after the pod) and its process.</summary>
public sealed record BedPod(PodLaunch Launch, BedHost Host, BedProcess Process)
{
    /// <summary>
    /// Whether <paramref name="trainerId"/> names a trainer of this pod's process <paramref name="pid"/> (its pid is the
    /// CLI's: the sandbox execs it). Trainer ids are HOSTNAME:PID/DEVICE, or HOSTNAME:PID.NONCE/DEVICE.
    /// </summary>
    public bool RunsTrainer(string trainerId, int pid)
    {
        string prefix = $"{Launch.Hostname}:{pid}";
        return trainerId.StartsWith(prefix, StringComparison.Ordinal) && trainerId.Length > prefix.Length && trainerId[prefix.Length] is '/' or '.';
    }
}
