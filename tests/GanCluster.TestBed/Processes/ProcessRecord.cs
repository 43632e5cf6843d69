namespace GanCluster.TestBed.Processes;

/// <summary>One line of the supervisor log: a start, an exit (with its code; 128+N after signal N) or a stop request.</summary>
public sealed record ProcessRecord(
    DateTimeOffset Time, string Host, string Process, ProcessEventKind Event, int Incarnation, int? Pid = null, int? ExitCode = null);
