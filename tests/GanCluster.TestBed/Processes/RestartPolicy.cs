namespace GanCluster.TestBed.Processes;

/// <summary>When the supervisor starts a process again after it exits (Kubernetes' restartPolicy).</summary>
public enum RestartPolicy
{
    /// <summary>No supervisor: the process runs once.</summary>
    Never,

    /// <summary>Restart after a non-zero exit (a crash, a signal, a node that gave up), as a kubelet does for a Job's pod.</summary>
    OnFailure,

    /// <summary>Restart after every exit (a Deployment's pod).</summary>
    Always,
}
