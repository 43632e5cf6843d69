namespace GanCluster.TestBed.Processes;

/// <summary>What a supervisor record says happened to a process.</summary>
public enum ProcessEventKind
{
    Start,
    Exit,

    /// <summary>The bed's owner stopped the process (end of the run, Dispose): exits after this are not failures.</summary>
    StopRequested,
}
