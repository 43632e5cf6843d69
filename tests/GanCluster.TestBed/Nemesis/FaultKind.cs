namespace GanCluster.TestBed.Nemesis;

/// <summary>What the nemesis does to a node (docs/fault-tolerance.md, "The test bed").</summary>
public enum FaultKind
{
    /// <summary>SIGKILL of the node's process (its supervisor starts it again).</summary>
    Kill,

    /// <summary>SIGSTOP, then SIGCONT after the fault's duration: a process that is alive but silent (GC pause, VM freeze).</summary>
    Pause,

    /// <summary>The host's link goes down: nothing reaches it and it reaches nothing, while its processes run on.</summary>
    Partition,

    /// <summary>The data plane's ports are dropped in the host (both directions); control traffic flows.</summary>
    DataPlanePartition,

    /// <summary>The control plane's (Akka remoting) ports are dropped in the host (both directions); data flows.</summary>
    ControlPlanePartition,

    /// <summary>The host's link is capped (tc tbf) for the fault's duration.</summary>
    BandwidthCap,
}
