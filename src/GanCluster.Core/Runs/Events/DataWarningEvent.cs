namespace GanCluster.Core.Runs.Events;

/// <summary>The data source skipped something (an unreadable image, ...): the message and how many it has skipped so far.</summary>
public sealed record DataWarningEvent(string Message, long SkippedTotal) : RunEvent(EventKind.DataWarning);
