namespace GanCluster.Core.Runs.Events;

/// <summary>Where a collapse rollback moved the abandoned metrics rows and events (relative to the run directory).</summary>
public sealed record RollbackArchive(string Dir, int MetricsRows, int Events);
