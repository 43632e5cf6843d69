namespace GanCluster.TestBed.Checking;

/// <summary>
/// What the checker found: per fault, per fault kind, and for the run as a whole. <see cref="Problems"/> lists every
/// broken guarantee in words (empty when the run kept them all); tests assert on the fields, `make nemesis` prints them.
/// </summary>
public sealed record CheckResult(
    IReadOnlyList<FaultOutcome> Faults,
    IReadOnlyList<FaultKindSummary> ByKind,
    IReadOnlyList<Incident> IncidentsBeforeFaults,
    bool RunCompleted,
    bool? ReplicasIdentical,
    bool EveryStepOnce,
    long FinalStep,
    long? ExpectedSteps,
    int RunStarts,
    long StepsLost,
    IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}
