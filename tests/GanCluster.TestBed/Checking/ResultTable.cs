using System.Globalization;

namespace GanCluster.TestBed.Checking;

/// <summary>The checker's result as text: the per-fault-kind table (markdown), each fault, the run, the problems.</summary>
public static class ResultTable
{
    public static IEnumerable<string> Lines(CheckResult r)
    {
        yield return "| fault | count | next step p50 (s) | next step max (s) | longest stall (s) | steps lost | wrong exits | wrong exclusions | checkpoint fallbacks | rejoin max (s) |";
        yield return "|---|---|---|---|---|---|---|---|---|---|";
        foreach (var k in r.ByKind)
            yield return $"| {k.Kind} | {k.Count} | {S(k.NextStepP50)} | {S(k.NextStepMax)} | {S(k.MaxStall)} | {k.StepsLost} | {k.WrongExits} | " +
                         $"{k.WrongExclusions} | {k.CheckpointFallbacks} | {S(k.RejoinMax)}{(k.NeverRejoined > 0 ? $" ({k.NeverRejoined} never)" : "")} |";
        yield return "";
        foreach (var x in r.Faults)
            yield return $"  {x.Fault.Started:HH:mm:ss} {x.Fault.Kind} of {x.Fault.Node} ({x.Fault.Target}) for " +
                         $"{(x.Fault.Ended - x.Fault.Started).TotalSeconds:F1} s: next step {S(x.NextStepSeconds)} s, longest stall {S(x.MaxStallSeconds)} s, " +
                         $"{x.StepsDuringFault} steps during it ({x.StepsInSecondHalf} in its second half), {x.StepsLost} lost, rejoin {(x.RejoinExpected ? S(x.RejoinSeconds) + " s" : "-")}, " +
                         $"{x.Incidents.Count} incident(s)";
        yield return "";
        yield return $"run: {(r.RunCompleted ? "completed" : "NOT completed")}, final step {r.FinalStep}" +
                     (r.ExpectedSteps is { } n ? $" of {n}" : "") +
                     $", replicas identical: {(r.ReplicasIdentical is { } b ? (b ? "yes" : "NO") : "unknown")}, every step once: {(r.EveryStepOnce ? "yes" : "NO")}, " +
                     $"steps lost: {r.StepsLost}, run starts: {r.RunStarts}";
        foreach (var p in r.Problems) yield return $"PROBLEM: {p}";
        yield return r.Passed ? "PASSED: every guarantee held" : $"FAILED: {r.Problems.Count} problem(s)";
    }

    static string S(double? seconds) => seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "-";
}
