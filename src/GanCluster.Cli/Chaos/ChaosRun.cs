using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Cli.Local;
using GanCluster.Core.Runs;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Chaos;

/// <summary>
/// Runs `gancluster local` and breaks it on a seeded schedule (SIGKILL of trainers, also at a checkpoint step;
/// SIGSTOP/SIGCONT of a trainer; SIGKILL of the coordinator), then checks what the project promises: the run
/// reaches its final step, replicas are identical at the end, metrics.jsonl has every step exactly once, and
/// every failure and recovery is in events.jsonl. Prints recovery times (failure -> next completed step).
/// </summary>
public sealed class ChaosRun(ChaosOptions options)
{
    readonly List<Injection> _injections = [];
    readonly object _log = new();

    public sealed record Injection(ChaosAction Action, DateTimeOffset At, long StepAtInjection, string Target);

    public sealed record Outcome(bool Passed, IReadOnlyList<string> Failures, IReadOnlyList<double> TrainerRecoverySeconds,
        IReadOnlyList<double> CoordinatorRecoverySeconds, long FinalStep);

    public async Task<Outcome> RunAsync(CancellationToken cancel)
    {
        string runDir = options.RunDir;
        Directory.CreateDirectory(Path.Combine(runDir, "chaos"));
        using var logFile = new StreamWriter(Path.Combine(runDir, "chaos", "local.log")) { AutoFlush = true };
        var args = new List<string> { "local", "--workers", options.Workers.ToString(), "--out", runDir };
        args.AddRange(options.SpecArgs);
        using var local = ChildProcess.Start("local", args, NodeLog.ChildEnvironment(), (_, line) =>
        {
            lock (_log) logFile.WriteLine(line);
            if (options.Verbose) Console.Out.WriteLine(line); // already a formatted log line of the cluster's processes
        });
        Say($"chaos: `gancluster local --workers {options.Workers}` (pid {local.Pid}); plan: " +
            string.Join(", ", options.Plan.Actions.Select(a => $"{a.Kind} at step {a.AtStep}{(a.DuringCheckpoint ? " (checkpoint)" : "")}")));

        foreach (var action in options.Plan.Actions)
        {
            long step = await WaitForStepAsync(runDir, action.AtStep, local, cancel);
            if (local.HasExited) break;
            // One failure at a time: the cluster heals from the previous one first (else a small model can run
            // through several planned steps in the second the previous victim needs to restart).
            if (_injections.Count > 0) await WaitForRecoveryAsync(runDir, _injections[^1], local, cancel);
            if (local.HasExited) break;
            step = JsonlWriter.LastStep(Path.Combine(runDir, "metrics.jsonl"));
            if (action.DuringCheckpoint) step = await WaitForStepAsync(runDir, NextCheckpointStep(step), local, cancel);
            else await Task.Delay(action.JitterMs, cancel);
            await InjectAsync(action, runDir, step, cancel);
        }
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            deadline.CancelAfter(options.Timeout);
            try { await local.WaitAsync(deadline.Token); }
            catch (OperationCanceledException)
            {
                Say("chaos: the run did not finish in time; stopping it");
                local.Terminate();
                await Task.Delay(TimeSpan.FromSeconds(20), CancellationToken.None);
                local.KillNow();
            }
        }
        return Check(runDir, local.HasExited ? local.ExitCode : -1);
    }

    long NextCheckpointStep(long step)
    {
        int every = options.CheckpointEvery;
        return every <= 0 ? step : (step / every + 1) * every;
    }

    /// <summary>
    /// Waits (at most two minutes) until the events show the cluster healed from an injected failure: the coordinator
    /// is back, or a world of every worker (the victim's replacement included) completed a step. Then a few seconds
    /// more, so every node's failure detector sees the healed cluster: keep-oldest cannot tell a coordinator crash
    /// from a partition while another node still looks unreachable (docs/fault-tolerance.md), and this harness
    /// tests one failure at a time.
    /// </summary>
    async Task WaitForRecoveryAsync(string runDir, Injection previous, ChildProcess local, CancellationToken cancel)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        while (!local.HasExited && DateTimeOffset.UtcNow < deadline)
        {
            if (JsonlWriter.ReadAll(Path.Combine(runDir, "events.jsonl")).Any(e => Time(e) > previous.At && Healed(e))) break;
            await Task.Delay(200, cancel);
        }
        await Task.Delay(TimeSpan.FromSeconds(3), cancel);

        bool Healed(JsonObject e) => previous.Action.Kind == ChaosKind.KillCoordinator
            ? (string?)e["kind"] == EventKind.CoordinatorRecovered
            : (string?)e["kind"] == EventKind.Recovered && (int?)e["details"]?["world_size"] == options.Workers;
    }

    async Task InjectAsync(ChaosAction action, string runDir, long step, CancellationToken cancel)
    {
        // Only processes that are alive now (a victim of the previous failure may still be restarting).
        var processes = ReadProcesses(runDir).Where(p => PosixSignals.Send(p.Pid, 0)).ToList();
        switch (action.Kind)
        {
            case ChaosKind.KillCoordinator:
            {
                var coord = processes.FirstOrDefault(p => p.Role == "coordinator");
                if (coord == null) return;
                Record(action, step, $"coordinator pid {coord.Pid}");
                PosixSignals.Send(coord.Pid, PosixSignals.Kill);
                break;
            }
            case ChaosKind.KillTrainer:
            {
                // At a checkpoint step the victim is rank 0, the writer; otherwise the planned launcher slot.
                var victim = action.DuringCheckpoint ? RankZeroProcess(runDir, processes) : processes.FirstOrDefault(p => p.Name == $"t{action.Trainer}");
                victim ??= processes.FirstOrDefault(p => p.Role == "trainer");
                if (victim == null) return;
                Record(action, step, $"{victim.Name} pid {victim.Pid}");
                PosixSignals.Send(victim.Pid, PosixSignals.Kill);
                break;
            }
            case ChaosKind.PauseTrainer:
            {
                var victim = processes.FirstOrDefault(p => p.Name == $"t{action.Trainer}") ?? processes.FirstOrDefault(p => p.Role == "trainer");
                if (victim == null) return;
                Record(action, step, $"{victim.Name} pid {victim.Pid} for {options.PauseSeconds} s");
                PosixSignals.Send(victim.Pid, PosixSignals.Stop);
                await Task.Delay(TimeSpan.FromSeconds(options.PauseSeconds), cancel);
                // SIGCONT: it must not corrupt anything (its epoch is fenced), and should come back as a new member.
                PosixSignals.Send(victim.Pid, PosixSignals.Continue);
                break;
            }
        }
    }

    void Record(ChaosAction action, long step, string target)
    {
        _injections.Add(new Injection(action, DateTimeOffset.UtcNow, step, target));
        Say($"chaos: {action.Kind} {target} at step {step}");
    }

    static async Task<long> WaitForStepAsync(string runDir, long step, ChildProcess local, CancellationToken cancel)
    {
        while (!local.HasExited)
        {
            long last = JsonlWriter.LastStep(Path.Combine(runDir, "metrics.jsonl"));
            if (last >= step) return last;
            await Task.Delay(50, cancel);
        }
        return -1;
    }

    sealed record ProcessInfo(string Name, string Role, int Pid);

    static List<ProcessInfo> ReadProcesses(string runDir)
    {
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "local", "processes.json"))) as JsonArray;
            return json!.Select(n => new ProcessInfo((string)n!["name"]!, (string)n["role"]!, (int)n["pid"]!)).ToList();
        }
        catch (Exception e) when (e is IOException or JsonException) { return []; }
    }

    /// <summary>The trainer process that is rank 0 in the newest world (trainer ids are host:pid/device).</summary>
    static ProcessInfo? RankZeroProcess(string runDir, List<ProcessInfo> processes)
    {
        var world = JsonlWriter.ReadAll(Path.Combine(runDir, "events.jsonl")).LastOrDefault(e => (string?)e["kind"] == EventKind.WorldFormed);
        string? id = world?["details"]?["members"]?.AsArray().FirstOrDefault(m => (int?)m?["rank"] == 0)?["trainer"]?.GetValue<string>();
        if (id == null) return null;
        string pid = id.Split(':').Last().Split('/').First();
        return processes.FirstOrDefault(p => p.Pid.ToString() == pid);
    }

    Outcome Check(string runDir, int exitCode)
    {
        var failures = new List<string>();
        if (exitCode != 0) failures.Add($"`gancluster local` exited with {exitCode}, expected 0 (see {Path.Combine(runDir, "chaos", "local.log")})");
        var rows = JsonlWriter.ReadAll(Path.Combine(runDir, "metrics.jsonl")).ToList();
        var events = JsonlWriter.ReadAll(Path.Combine(runDir, "events.jsonl")).ToList();
        var steps = rows.Select(r => (long)r["step"]!).ToList();
        long finalStep = steps.Count > 0 ? steps[^1] : 0;
        for (int i = 0; i < steps.Count; i++)
            if (steps[i] != i + 1) { failures.Add($"metrics.jsonl: row {i + 1} has step {steps[i]} (steps must be 1, 2, 3, ... with none missing or repeated)"); break; }
        var complete = events.LastOrDefault(e => (string?)e["kind"] == EventKind.RunComplete);
        if (complete == null) failures.Add("events.jsonl: no run_complete event");
        else
        {
            if (complete["details"]?["replicas_identical"]?.GetValue<bool>() != true) failures.Add("the replicas were not identical at the end");
            if ((long)complete["step"]! != finalStep) failures.Add($"run_complete at step {complete["step"]}, metrics end at {finalStep}");
        }
        var trainerRecoveries = new List<double>();
        var coordinatorRecoveries = new List<double>();
        foreach (var injection in _injections)
        {
            if (injection.Action.Kind == ChaosKind.KillCoordinator)
            {
                var back = events.FirstOrDefault(e => (string?)e["kind"] == EventKind.CoordinatorRecovered && Time(e) > injection.At);
                if (back == null) failures.Add($"events.jsonl: no coordinator_recovered after the coordinator kill at {injection.At:HH:mm:ss}");
                else coordinatorRecoveries.Add((Time(back) - injection.At).TotalSeconds);
                continue;
            }
            var aborted = events.FirstOrDefault(e => (string?)e["kind"] == EventKind.WorldAborted && Time(e) > injection.At);
            if (aborted == null) { failures.Add($"events.jsonl: no world_aborted after {injection.Action.Kind} of {injection.Target}"); continue; }
            if (!events.Any(e => (string?)e["kind"] == EventKind.Recovered && Time(e) > Time(aborted)))
                failures.Add($"events.jsonl: no recovered event after {injection.Action.Kind} of {injection.Target}");
            var next = rows.FirstOrDefault(r => RowTime(r) > injection.At);
            if (next != null) trainerRecoveries.Add((RowTime(next) - injection.At).TotalSeconds);
        }
        return new Outcome(failures.Count == 0, failures, trainerRecoveries, coordinatorRecoveries, finalStep);
    }

    static DateTimeOffset Time(JsonObject e) => DateTimeOffset.Parse((string)e["time"]!);

    static DateTimeOffset RowTime(JsonObject row) => DateTimeOffset.FromUnixTimeMilliseconds((long)((double)row["time"]! * 1000));

    static void Say(string line) => NodeLog.Info(line);
}

public sealed class ChaosOptions
{
    public required string RunDir { get; init; }

    public required int Workers { get; init; }

    public required IReadOnlyList<string> SpecArgs { get; init; }

    public required ChaosPlan Plan { get; init; }

    public int CheckpointEvery { get; init; }

    public double PauseSeconds { get; init; } = 12;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    public bool Verbose { get; init; }
}
