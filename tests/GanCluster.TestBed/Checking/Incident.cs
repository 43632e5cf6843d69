namespace GanCluster.TestBed.Checking;

/// <summary>A node that was not faulted but was hurt anyway: when, which, how.</summary>
public sealed record Incident(DateTimeOffset Time, string Node, IncidentKind Kind, string Detail);
