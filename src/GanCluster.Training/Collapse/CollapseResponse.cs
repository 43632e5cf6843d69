using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;

namespace GanCluster.Training.Collapse;

/// <summary>
/// The automatic collapse response for a single-process run (rank 0 is the whole world). After each evaluation
/// lands, it asks the <see cref="ICollapseResponder"/> (pure decision logic, shared with the cluster coordinator)
/// what to do; a rollback is carried out here: flush checkpoint writes, restore the chosen checkpoint through the
/// trainer's callback (weights, optimizers, data position, step), drop the abandoned checkpoints, move the
/// abandoned metrics/events lines to rollbacks/N/, reset the monitor's flag to the checkpoint's, and record a
/// collapse_rollback event at the step the run continues from. A stop decision is kept in <see cref="StopReason"/>;
/// the trainer then finishes the run (final checkpoint) and ends events.jsonl with collapse_stopped instead of run_finished.
/// </summary>
public sealed class CollapseResponse(
    ICollapseResponder responder, CollapseMonitor monitor, CheckpointWriter checkpoints, RunLayout layout,
    JsonlWriter metrics, EventLog events, Action<string>? log = null)
{
    public ICollapseResponder Responder { get; } = responder;

    public CollapseResponseState State => Responder.State;

    /// <summary>Set when the response stopped the run; the trainer ends the loop and the CLI exits non-zero.</summary>
    public string? StopReason { get; private set; }

    /// <summary>
    /// Acts on the evaluation that just landed at <paramref name="step"/>. <paramref name="restore"/> puts the replica
    /// into a checkpoint's state with the action's learning-rate scales. Returns the action taken.
    /// </summary>
    public CollapseAction AfterEvaluation(long step, Action<TrainerSnapshot, CollapseAction.RollBack> restore)
    {
        var flag = monitor.Flag;
        if (!flag.Suspected) return new CollapseAction.Continue(step);
        checkpoints.Flush();
        var action = Responder.Decide(step, flag, Candidates());
        switch (action)
        {
            case CollapseAction.RollBack rollBack:
                RollBack(rollBack, restore);
                break;
            case CollapseAction.Stop stop:
                StopReason = stop.Reason; // the trainer ends the run with a collapse_stopped event
                log?.Invoke("collapse response: " + stop.Reason);
                break;
        }
        return action;
    }

    IReadOnlyList<CollapseCheckpoint> Candidates() => Candidates(checkpoints.Store);

    /// <summary>The committed checkpoints that verify, as rollback candidates (also the cluster coordinator's).</summary>
    public static IReadOnlyList<CollapseCheckpoint> Candidates(CheckpointStore store)
    {
        var result = new List<CollapseCheckpoint>();
        foreach (var (_, path) in store.List())
            if (CheckpointStore.Verify(path, out var manifest) == null && manifest != null)
                result.Add(CollapseCheckpointInfo.Candidate(manifest));
        return result;
    }

    void RollBack(CollapseAction.RollBack action, Action<TrainerSnapshot, CollapseAction.RollBack> restore)
    {
        // The chosen checkpoint, read once and verified; should it not load after all, the newest older one that does.
        var found = checkpoints.Store.FindNewestLoadable(c =>
        {
            restore(TrainerSnapshot.FromVerified(c), action with { ToStep = c.Step });
            return c.Manifest;
        }, w => log?.Invoke("warning: collapse rollback: " + w), atOrBefore: action.ToStep);
        if (found is not { Loaded: var manifest, Checkpoint.Step: var loadedStep })
            throw new InvalidDataException($"collapse rollback: no checkpoint at or before step {action.ToStep} loads");
        action = action with { ToStep = loadedStep };
        var dropped = checkpoints.DropAfter(action.ToStep);
        var flag = monitor.Flag;
        monitor.Reset(CollapseCheckpointInfo.Flag(manifest));
        events.Write(action.ToStep, EventKind.CollapseRollback, Archive(action, flag, State, dropped, layout, metrics, events));
        log?.Invoke("collapse response: " + action.Reason);
    }

    /// <summary>
    /// The bookkeeping of a rollback, shared by the single-process response and the cluster coordinator: moves the
    /// metrics and events lines after the checkpoint to rollbacks/N/ and returns the collapse_rollback event's details.
    /// </summary>
    /// <param name="flag">the flag state that led to the decision</param>
    /// <param name="dropped">the checkpoints removed (newer than the one rolled back to)</param>
    public static JsonObject Archive(CollapseAction.RollBack action, CollapseFlagState flag, CollapseResponseState state,
        IReadOnlyList<long> dropped, RunLayout layout, JsonlWriter metrics, EventLog events)
    {
        string archive = layout.RollbackArchiveDir(action.Number);
        int metricRows = metrics.Rewind(action.ToStep, Path.Combine(archive, "metrics.jsonl"));
        int eventRows = events.Rewind(action.ToStep, Path.Combine(archive, "events.jsonl"));
        return new JsonObject
        {
            ["from_step"] = action.EffectiveStep,
            ["to_step"] = action.ToStep,
            ["rollback"] = action.Number,
            ["max_rollbacks"] = action.MaxRollbacks,
            ["reason"] = action.Reason,
            ["collapse_score"] = flag.LastScore,
            ["suspected_since"] = flag.ChangedAt,
            ["mitigation"] = new JsonArray(action.Mitigation.Select(m => (JsonNode?)JsonNode.Parse(SpecJson(m))).ToArray()),
            ["lr_g_scale"] = action.LrGScale,
            ["lr_d_scale"] = action.LrDScale,
            ["state"] = state.ToJson(),
            ["dropped_checkpoints"] = new JsonArray(dropped.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["archived"] = new JsonObject
            {
                ["dir"] = Path.GetRelativePath(layout.Root, archive),
                ["metrics_rows"] = metricRows,
                ["events"] = eventRows,
            },
        };
    }

    /// <summary>A mitigation as JSON in its spec form (kind plus fields), e.g. {"kind":"scale_lr","lr_g":0.5,"lr_d":0.5}.</summary>
    static string SpecJson(CollapseMitigation m)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in (YamlDotNet.RepresentationModel.YamlMappingNode)SpecEmitter.ToNode(m))
        {
            string key = ((YamlDotNet.RepresentationModel.YamlScalarNode)k).Value!;
            string text = v is YamlDotNet.RepresentationModel.YamlScalarNode scalar ? scalar.Value ?? "" : v.ToString();
            obj[key] = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)
                ? JsonValue.Create(d) : JsonValue.Create(text);
        }
        return obj.ToJsonString();
    }

    /// <summary>
    /// The response state a resumed run continues with: the newer of the checkpoint's and the one recorded by the last
    /// collapse_rollback event in events.jsonl (which survives a crash before the next checkpoint).
    /// </summary>
    public static CollapseResponseState ResumeState(CheckpointManifest? manifest, string eventsFile)
    {
        var state = manifest == null ? CollapseResponseState.Initial : CollapseCheckpointInfo.Response(manifest);
        foreach (var e in JsonlWriter.ReadAll(eventsFile))
            if (e["kind"]?.GetValue<string>() == EventKind.CollapseRollback)
                state = CollapseResponseState.Latest(state, CollapseResponseState.FromJson(e["details"]?["state"]));
        return state;
    }
}
