using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.TestBed.Cluster;
using GanCluster.TestBed.Nemesis;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Checking;

/// <summary>
/// Reads a run's history after the fact (as Jepsen's checkers do) and says what each fault cost and which of the
/// project's promises (docs/fault-tolerance.md) were kept: no node that was not faulted exits or is left out of a
/// world, no completed step is lost, no world falls back to a checkpoint while live replicas exist, the faulted
/// trainer is back within the rejoin allowance, training goes on while the coordinator is away, and the run ends
/// with identical replicas and every step once. Nodes are named by their host (one node per host in a cluster run).
/// Pure: history in, result out, no assertions.
/// </summary>
public static class HistoryChecker
{
    sealed record Rollback(DateTimeOffset Time, long Lost, long ToStep);

    public static CheckResult Check(RunHistory history, CheckerOptions? options = null)
    {
        var o = options ?? new CheckerOptions();
        var faults = history.Faults.OrderBy(f => f.Started).ToList();
        var rowsByTime = history.Rows.Select(r => (Step: RunEvents.Step(r), Time: RunEvents.RowTime(r))).OrderBy(r => r.Time).ToList();
        var worlds = history.Events.Where(e => RunEvents.Kind(e) == EventKind.WorldFormed).OrderBy(RunEvents.Time).ToList();
        var complete = history.Events.FirstOrDefault(e => RunEvents.Kind(e) == EventKind.RunComplete);
        DateTimeOffset? completedAt = complete is null ? null : RunEvents.Time(complete);
        var end = new[] { rowsByTime.LastOrDefault().Time }
            .Concat(history.Events.Select(RunEvents.Time)).Concat(history.Processes.Select(p => p.Time)).Concat(faults.Select(f => f.Ended)).Max();

        var rollbacks = Rollbacks(history.Rows);
        var fallbacks = worlds.Skip(1).Where(w => w["details"]?["resume_checkpoint"] is JsonValue).Select(RunEvents.Time)
            .Concat(rollbacks.Where(r => r.ToStep == 1).Select(r => r.Time)).ToList();
        var incidents = Incidents(history, faults, worlds, completedAt, o);

        var outcomes = new List<FaultOutcome>();
        for (int i = 0; i < faults.Count; i++)
        {
            var f = faults[i];
            var windowEnd = i + 1 < faults.Count ? faults[i + 1].Started : end.AddSeconds(1);
            bool In(DateTimeOffset t) => t >= f.Started && t < windowEnd;
            var (rejoin, expected) = f.Role == BedCluster.TrainerRole ? Rejoin(f, worlds, windowEnd) : (null, false);
            outcomes.Add(new FaultOutcome(f,
                NextStep(rowsByTime, f.Started),
                MaxStall(rowsByTime, f.Started, Min(f.Ended + o.SettleWindow, windowEnd, completedAt ?? end)),
                rowsByTime.Where(r => r.Time >= f.Started && r.Time <= f.Ended).Select(r => r.Step).Distinct().LongCount(),
                rowsByTime.Where(r => r.Time >= f.Started + (f.Ended - f.Started) / 2 && r.Time <= f.Ended).Select(r => r.Step).Distinct().LongCount(),
                rollbacks.Where(r => In(r.Time)).Sum(r => r.Lost),
                fallbacks.Count(In),
                rejoin, expected,
                incidents.Where(x => In(x.Time)).ToList()));
        }

        var finalSteps = history.FinalSteps;
        bool everyStepOnce = finalSteps.Select((s, i) => s == i + 1).All(ok => ok) &&
                             (history.ExpectedSteps is not { } n || finalSteps.Count == n);
        bool? identical = (bool?)complete?["details"]?["replicas_identical"];
        var result = new CheckResult(
            outcomes,
            Summaries(outcomes),
            incidents.Where(x => faults.Count == 0 || x.Time < faults[0].Started).ToList(),
            completedAt != null,
            identical,
            everyStepOnce,
            finalSteps.Count > 0 ? finalSteps[^1] : 0,
            history.ExpectedSteps,
            1 + rollbacks.Count(r => r.ToStep == 1),
            rollbacks.Sum(r => r.Lost),
            []);
        return result with { Problems = Problems(result, completedAt, o) };
    }

    /// <summary>A row whose step is not above the previous row's is a rollback: the steps from it up to the highest
    /// completed one were done and are done again.</summary>
    static List<Rollback> Rollbacks(IReadOnlyList<JsonObject> observedRows)
    {
        var list = new List<Rollback>();
        long previous = 0, highest = 0;
        foreach (var row in observedRows)
        {
            long step = RunEvents.Step(row);
            if (step <= previous) list.Add(new Rollback(RunEvents.RowTime(row), highest - step + 1, step));
            previous = step;
            highest = Math.Max(highest, step);
        }
        return list;
    }

    static List<Incident> Incidents(RunHistory history, List<FaultRecord> faults, List<JsonObject> worlds, DateTimeOffset? completedAt,
        CheckerOptions o)
    {
        // A faulted node is excused until the rejoin allowance after its heal, or until the next fault starts (faults
        // come one at a time, the next once the cluster healed: what happens to the node then is the next fault's).
        var excusedUntil = faults.Select((f, i) => Min(f.Ended + o.RejoinAllowance, i + 1 < faults.Count ? faults[i + 1].Started : DateTimeOffset.MaxValue)).ToList();
        bool Faulted(string node, DateTimeOffset t) => faults.Where((f, i) => f.Node == node && f.Started <= t && t <= excusedUntil[i]).Any();
        bool Over(DateTimeOffset t) => completedAt is { } c && t >= c;
        var stops = history.Processes.Where(p => p.Event == ProcessEventKind.StopRequested).GroupBy(p => p.Host)
            .ToDictionary(g => g.Key, g => g.Min(p => p.Time));
        bool Stopped(string node, DateTimeOffset t) => stops.TryGetValue(node, out var s) && t >= s;

        var list = new List<Incident>();
        foreach (var exit in history.Processes.Where(p => p.Event == ProcessEventKind.Exit))
        {
            if (Stopped(exit.Host, exit.Time) || Over(exit.Time) || Faulted(exit.Host, exit.Time)) continue;
            list.Add(new Incident(exit.Time, exit.Host, IncidentKind.Exited, $"{exit.Process} exited: {DescribeExit(exit.ExitCode)}"));
        }
        var trainers = history.Processes.Where(p => p.Process == BedCluster.TrainerRole).Select(p => p.Host).Distinct().ToList();
        foreach (var world in worlds)
        {
            var t = RunEvents.Time(world);
            if (Over(t)) continue;
            var members = RunEvents.MemberHosts(world);
            foreach (var node in trainers.Where(n => !members.Contains(n) && !Faulted(n, t) && !Stopped(n, t)))
            {
                // Only a process that was up (and had time to join) is expected in the world.
                var records = history.Processes.Where(p => p.Host == node && p.Time <= t).ToList();
                var lastStart = records.LastOrDefault(p => p.Event == ProcessEventKind.Start);
                if (lastStart == null || records.Any(p => p.Event == ProcessEventKind.Exit && p.Time >= lastStart.Time)) continue;
                if (t - lastStart.Time < o.JoinAllowance) continue;
                list.Add(new Incident(t, node, IncidentKind.Excluded,
                    $"world {(long?)world["details"]?["epoch"]} formed with {members.Count} rank(s) without it"));
            }
        }
        return [.. list.OrderBy(x => x.Time)];
    }

    static string DescribeExit(int? code) => code switch
    {
        0 => "exit code 0",
        1 => "exit code 1 (failed or gave up)",
        2 => "exit code 2 (bad input)",
        3 => "exit code 3 (removed from the cluster)",
        137 => "killed (SIGKILL)",
        { } c when c > 128 => $"killed by signal {c - 128}",
        { } c => $"exit code {c}",
        null => "unknown exit code",
    };

    /// <summary>The first step that began after <paramref name="start"/>: the one after the step in flight then.</summary>
    static double? NextStep(List<(long Step, DateTimeOffset Time)> rows, DateTimeOffset start)
    {
        int first = rows.FindIndex(r => r.Time >= start);
        return first < 0 || first + 1 >= rows.Count ? null : (rows[first + 1].Time - start).TotalSeconds;
    }

    static double? MaxStall(List<(long Step, DateTimeOffset Time)> rows, DateTimeOffset start, DateTimeOffset until)
    {
        if (until <= start) return null;
        var points = rows.Where(r => r.Time >= start && r.Time <= until).Select(r => r.Time).Prepend(start).Append(until).ToList();
        return points.Zip(points.Skip(1), (a, b) => (b - a).TotalSeconds).Max();
    }

    /// <summary>
    /// Whether the trainer was left out of a world during the fault's window and, if so, how long after the heal the
    /// first world that has it again formed (after the last one without it).
    /// </summary>
    static (double? Seconds, bool Expected) Rejoin(FaultRecord f, List<JsonObject> worlds, DateTimeOffset windowEnd)
    {
        var without = worlds.Where(w => RunEvents.Time(w) >= f.Started && RunEvents.Time(w) < windowEnd && !RunEvents.MemberHosts(w).Contains(f.Node)).ToList();
        if (without.Count == 0) return (0, false);
        var lastWithout = RunEvents.Time(without[^1]);
        var back = worlds.FirstOrDefault(w => RunEvents.Time(w) > lastWithout && RunEvents.MemberHosts(w).Contains(f.Node));
        return back == null ? (null, true) : (Math.Max(0, (RunEvents.Time(back) - f.Ended).TotalSeconds), true);
    }

    static List<FaultKindSummary> Summaries(List<FaultOutcome> outcomes) =>
        outcomes.GroupBy(x => x.Fault.Kind).OrderBy(g => g.Key).Select(g =>
        {
            var next = g.Select(x => x.NextStepSeconds).OfType<double>().Order().ToList();
            var stalls = g.Select(x => x.MaxStallSeconds).OfType<double>().ToList();
            var rejoins = g.Where(x => x.RejoinExpected).Select(x => x.RejoinSeconds).ToList();
            var backIn = rejoins.OfType<double>().ToList();
            return new FaultKindSummary(g.Key, g.Count(),
                next.Count > 0 ? next[(next.Count - 1) / 2] : null, next.Count > 0 ? next[^1] : null,
                stalls.Count > 0 ? stalls.Max() : null,
                g.Sum(x => x.StepsLost),
                g.Sum(x => x.Incidents.Count(i => i.Kind == IncidentKind.Exited)),
                g.Sum(x => x.Incidents.Count(i => i.Kind == IncidentKind.Excluded)),
                g.Sum(x => x.CheckpointFallbacks),
                backIn.Count > 0 ? backIn.Max() : null,
                rejoins.Count(r => r == null));
        }).ToList();

    static List<string> Problems(CheckResult r, DateTimeOffset? completedAt, CheckerOptions o)
    {
        var list = new List<string>();
        if (!r.RunCompleted) list.Add("the run did not complete (no run_complete event)");
        if (r.ReplicasIdentical == false) list.Add("the replicas differ at the end (run_complete: replicas_identical false)");
        if (!r.EveryStepOnce)
            list.Add($"metrics.jsonl does not hold every step once ({r.FinalStep} rows end it" +
                     (r.ExpectedSteps is { } n ? $", {n} expected)" : ")"));
        foreach (var x in r.IncidentsBeforeFaults) list.Add($"before any fault: {x.Node}: {x.Detail}");
        foreach (var x in r.Faults)
        {
            string fault = $"{x.Fault.Kind} of {x.Fault.Node} at {x.Fault.Started:HH:mm:ss}";
            foreach (var i in x.Incidents) list.Add($"{fault}: {i.Node} (not faulted): {i.Detail}");
            if (x.StepsLost > 0) list.Add($"{fault}: {x.StepsLost} completed step(s) rolled back");
            if (x.CheckpointFallbacks > 0) list.Add($"{fault}: {x.CheckpointFallbacks} fallback(s) to a checkpoint or to step 0");
            bool runOnAfterHeal = completedAt is not { } c || c > x.Fault.Ended + o.RejoinAllowance;
            if (x.RejoinExpected && runOnAfterHeal && (x.RejoinSeconds is null || x.RejoinSeconds > o.RejoinAllowance.TotalSeconds))
                list.Add($"{fault}: {x.Fault.Node} was not back in the world within {o.RejoinAllowance.TotalSeconds:F0} s of the heal" +
                         (x.RejoinSeconds is { } s ? $" ({s:F1} s)" : " (never)"));
            if (x.Fault.Role == BedCluster.CoordinatorRole && x.Fault.Kind != FaultKind.BandwidthCap &&
                x.Fault.Ended - x.Fault.Started >= TimeSpan.FromSeconds(3) && x.StepsInSecondHalf == 0 && runOnAfterHeal)
                list.Add($"{fault}: training stopped while the coordinator was away (no step in the second half of its " +
                         $"{(x.Fault.Ended - x.Fault.Started).TotalSeconds:F0} s; {x.StepsDuringFault} in all)");
        }
        return list;
    }

    static DateTimeOffset Min(params DateTimeOffset[] times) => times.Min();
}
