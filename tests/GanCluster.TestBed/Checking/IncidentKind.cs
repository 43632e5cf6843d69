namespace GanCluster.TestBed.Checking;

/// <summary>What happened to a node that no fault touched.</summary>
public enum IncidentKind
{
    /// <summary>Its process exited (and its supervisor restarted it): downed (exit 3), gave up, crashed.</summary>
    Exited,

    /// <summary>A world formed without it while it was up and reachable.</summary>
    Excluded,
}
