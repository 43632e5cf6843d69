using System.Globalization;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Collapse;

/// <summary>
/// The one owner of the collapse response (collapse.response; docs/collapse.md). It decides what to do while
/// collapse is suspected: once collapse_suspected has held for <c>window</c> evaluations, roll back to the newest
/// checkpoint taken while the flag was clear and before the flag rose, with the mitigations applied; after
/// <c>max_rollbacks</c> rollbacks, or with no clear checkpoint left, stop. It keeps the response state (rollbacks so
/// far, the compounded learning-rate scales every replica trains with) and does a rollback's bookkeeping in the run
/// directory. A single-process trainer decides with it in-process; in a cluster the coordinator decides with it and
/// each trainer adopts the coordinator's state with every world.
/// The decision itself (<see cref="Decide(long, CollapseFlagState, IReadOnlyList{CollapseCheckpoint})"/>) is pure: no
/// clocks, no I/O, so the same inputs give the same decision on any process.
/// </summary>
/// <param name="rescuesInPlace">whether the caller can apply a <see cref="CollapseAction.Rescue"/> (a single process);
/// without, a rescue mitigation only acts at rollbacks</param>
public sealed class CollapseSupervisor(CollapseResponseSpec spec, CollapseResponseState? state = null, bool rescuesInPlace = false)
{
    public CollapseResponseSpec Spec { get; } = spec;

    /// <summary>Rollbacks so far and the learning-rate scales (1 until the first rollback).</summary>
    public CollapseResponseState State { get; private set; } = state ?? CollapseResponseState.Initial;

    /// <summary>Set when this supervisor decided to stop the run (the trainer ends it with collapse_stopped).</summary>
    public string? StopReason { get; private set; }

    /// <summary>
    /// The action to take after <paramref name="step"/>, given the flag after the newest evaluation and the committed
    /// checkpoints (any order). A rollback updates <see cref="State"/>; a stop sets <see cref="StopReason"/>.
    /// </summary>
    public CollapseAction Decide(long step, CollapseFlagState flag, IReadOnlyList<CollapseCheckpoint> checkpoints)
    {
        if (!Spec.Enabled || !flag.Suspected || flag.SuspectedEvaluations < Spec.Window) return new CollapseAction.Continue(step);
        var rescue = Spec.Mitigation.OfType<RescueMitigation>().FirstOrDefault();
        // A rescue is given its patience (in evaluations) to work before the response acts again.
        if (rescue != null && State.LastRescueEvaluation is { } at && flag.Evaluations - at < rescue.Patience) return new CollapseAction.Continue(step);
        // A rescue that is working is not cut short: a dead start recovers over many evaluations (in the bench-rescue run
        // the score fell 0.996 -> 0.824 -> 0.683 while the flag stayed up, and the response stopped it). While each check
        // finds the score lower by more than improving_by, the run trains on with the rescue it has, and the patience
        // counts again from here.
        if (rescue != null && State.Rescues > 0 && State.RescueScore is { } before && flag.LastScore is { } now &&
            now < before - rescue.ImprovingBy)
        {
            State = State with { RescueScore = now, LastRescueEvaluation = flag.Evaluations };
            return new CollapseAction.Continue(step, string.Create(CultureInfo.InvariantCulture,
                $"collapse still suspected, but collapse_score fell from {before:F3} to {now:F3} since the rescue: it is left to work"));
        }
        long onset = flag.ChangedAt ?? step;
        string what = string.Create(CultureInfo.InvariantCulture,
            $"collapse suspected since step {onset} ({flag.SuspectedEvaluations} evaluations, last collapse_score {flag.LastScore:F3})");
        // With a rescue, a checkpoint is worth rolling back to only if it was evaluated healthy (a warm-up checkpoint of a
        // run that never learned has a clear flag but a collapsed score).
        var target = checkpoints.Where(c => c.FlagClear && c.Step < onset && c.Step < step &&
                                            (rescue == null || c.LastScore is { } s && s < rescue.HealthyBelow)).MaxBy(c => c.Step);
        if (target == null && rescue != null && rescuesInPlace && State.Rescues < rescue.MaxRescues)
            return RescueInPlace(step, flag, rescue, what);
        if (State.Rollbacks >= Spec.MaxRollbacks)
        {
            return Stop(step,
                $"{what}; the run already rolled back {State.Rollbacks} time(s), the most collapse.response.max_rollbacks allows. " +
                "Stopping instead of looping: change the run (learning rates, model, loss) or raise max_rollbacks.");
        }
        if (target == null)
        {
            return Stop(step,
                $"{what}; no committed checkpoint taken while the flag was clear remains before step {onset} to roll back to " +
                "(checkpoint.keep may be too small for checkpoint.every).");
        }
        double scaleG = State.LrGScale, scaleD = State.LrDScale;
        foreach (var m in Spec.Mitigation.OfType<ScaleLrMitigation>())
        {
            scaleG *= m.LrG;
            scaleD *= m.LrD;
        }
        int number = State.Rollbacks + 1;
        State = State with { Rollbacks = number, LrGScale = scaleG, LrDScale = scaleD, LastRollbackAt = step };
        if (rescue != null) State = State with { RescueP = Math.Max(State.RescueP, rescue.P), RescueR1Gamma = Math.Max(State.RescueR1Gamma, rescue.R1Gamma) };
        return new CollapseAction.RollBack(step, target.Step, number, Spec.MaxRollbacks, Spec.Mitigation.ToList(), scaleG, scaleD,
            $"{what}; rolling back to {RunLayout.StepName(target.Step)} (rollback {number} of at most {Spec.MaxRollbacks})");
    }

    /// <summary>
    /// The n-th rescue asks for n times the mitigation's p (at most 1) and R1 gamma, and waits its patience before the
    /// response acts again.
    /// </summary>
    CollapseAction.Rescue RescueInPlace(long step, CollapseFlagState flag, RescueMitigation rescue, string what)
    {
        int number = State.Rescues + 1;
        double p = Math.Max(State.RescueP, Math.Min(1.0, rescue.P * number));
        double gamma = Math.Max(State.RescueR1Gamma, rescue.R1Gamma * number);
        State = State with { Rescues = number, RescueP = p, RescueR1Gamma = gamma, LastRescueEvaluation = flag.Evaluations, RescueScore = flag.LastScore };
        return new CollapseAction.Rescue(step, number, rescue.MaxRescues, p, gamma, string.Create(CultureInfo.InvariantCulture,
            $"{what}; no healthy checkpoint to roll back to: rescuing in place (rescue {number} of at most {rescue.MaxRescues}: ADA p >= {p:G3}, R1 gamma >= {gamma:G3})"));
    }

    /// <summary>The collapse_rescue event of a rescue this supervisor decided.</summary>
    public CollapseRescueEvent RescueEvent(CollapseAction.Rescue action, CollapseFlagState flag) =>
        new(action.Number, action.MaxRescues, action.Reason, flag.LastScore, flag.ChangedAt, action.P, action.R1Gamma, State);

    /// <summary>Decides among the committed checkpoints of <paramref name="store"/> that verify.</summary>
    public CollapseAction Decide(long step, CollapseFlagState flag, CheckpointStore store) => Decide(step, flag, Candidates(store));

    CollapseAction.Stop Stop(long step, string reason)
    {
        StopReason = reason;
        return new CollapseAction.Stop(step, reason);
    }

    /// <summary>Takes a state decided elsewhere (a resume, or a cluster rank given the coordinator's state with a world).</summary>
    public void Adopt(CollapseResponseState state) => State = state;

    /// <summary>The committed checkpoints that verify, as rollback candidates.</summary>
    public static IReadOnlyList<CollapseCheckpoint> Candidates(CheckpointStore store)
    {
        var result = new List<CollapseCheckpoint>();
        foreach (var (_, path) in store.List())
            if (CheckpointStore.Verify(path, out var manifest) == null && manifest != null)
                result.Add(CollapseCheckpointInfo.Candidate(manifest));
        return result;
    }

    /// <summary>
    /// The run-directory side of a rollback (the checkpoints after it are already dropped): moves the metrics and events
    /// lines after the checkpoint to rollbacks/N/ and returns the collapse_rollback event, to be written at the step the
    /// run continues from.
    /// </summary>
    /// <param name="flag">the flag state that led to the decision</param>
    /// <param name="dropped">the checkpoints removed (newer than the one rolled back to)</param>
    public CollapseRollbackEvent RecordRollback(CollapseAction.RollBack action, CollapseFlagState flag, IReadOnlyList<long> dropped,
        RunLayout layout, JsonlWriter metrics, EventLog events)
    {
        string archive = layout.RollbackArchiveDir(action.Number);
        int metricRows = metrics.Rewind(action.ToStep, Path.Combine(archive, "metrics.jsonl"));
        int eventRows = events.Rewind(action.ToStep, Path.Combine(archive, "events.jsonl"));
        return new CollapseRollbackEvent(action.EffectiveStep, action.ToStep, action.Number, action.MaxRollbacks, action.Reason,
            flag.LastScore, flag.ChangedAt, action.Mitigation.Select(SpecJson).ToList(), action.LrGScale, action.LrDScale, State, dropped,
            new RollbackArchive(Path.GetRelativePath(layout.Root, archive), metricRows, eventRows));
    }

    /// <summary>
    /// The response state a resumed run continues with: the newer of the checkpoint's and the one recorded by the last
    /// collapse_rollback event in events.jsonl (which survives a crash before the next checkpoint).
    /// </summary>
    public static CollapseResponseState ResumeState(CheckpointManifest? manifest, string eventsFile)
    {
        var state = manifest == null ? CollapseResponseState.Initial : CollapseCheckpointInfo.Response(manifest);
        foreach (var e in JsonlWriter.ReadAll(eventsFile))
            if (e["kind"]?.GetValue<string>() is EventKind.CollapseRollback or EventKind.CollapseRescue)
                state = CollapseResponseState.Latest(state, CollapseResponseState.FromJson(e["details"]?["state"]));
        return state;
    }

    /// <summary>A mitigation as JSON in its spec form (kind plus fields), e.g. {"kind":"scale_lr","lr_g":0.5,"lr_d":0.5}.</summary>
    static JsonObject SpecJson(CollapseMitigation m)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in (YamlDotNet.RepresentationModel.YamlMappingNode)SpecEmitter.ToNode(m))
        {
            string key = ((YamlDotNet.RepresentationModel.YamlScalarNode)k).Value!;
            string text = v is YamlDotNet.RepresentationModel.YamlScalarNode scalar ? scalar.Value ?? "" : v.ToString();
            obj[key] = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                ? JsonValue.Create(d) : JsonValue.Create(text);
        }
        return obj;
    }
}
