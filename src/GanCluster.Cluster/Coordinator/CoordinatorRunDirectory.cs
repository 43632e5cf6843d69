using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Collapse;
using GanCluster.Core.Membership;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Everything the coordinator does to the run directory, in one place: preparing it (or checking a resume
/// checkpoint against the spec), events.jsonl (the coordinator is its only writer in a cluster), the world fence,
/// checkpoint look-ups, a collapse rollback's bookkeeping, and with checkpoint.uri in S3 the upload of the files it
/// writes (events.jsonl, run.yaml) beside the checkpoints after each checkpoint commit and at the run's end. The
/// membership model reads it through <see cref="IRunDirectoryView"/>.
/// </summary>
public sealed class CoordinatorRunDirectory(RunSpec spec, string root, Action<string> log) : IRunDirectoryView, IDisposable
{
    readonly RunLayout _layout = new(root);
    readonly CheckpointStore _checkpoints = CheckpointStore.ForRun(new RunLayout(root), spec.Checkpoint);
    readonly IWorldFence _fence = RunStorage.Fence(new RunLayout(root), spec.Checkpoint);
    EventLog? _events;
    RunLogUpload? _upload;

    /// <summary>Raised after every events.jsonl line (kind, step, details), for metrics.</summary>
    public event Action<string, long, JsonObject>? EventWritten;

    public RunLayout Layout => _layout;

    /// <summary>
    /// Opens the run. A coordinator that replaced one of a running world (<paramref name="reconnect"/>) only reopens
    /// events.jsonl; otherwise the folder is prepared, and with <paramref name="resume"/> the newest valid checkpoint
    /// is checked against the spec (training-defining differences refused unless <paramref name="force"/>), and events
    /// after it are cut (they belong to worlds that did not commit them).
    /// </summary>
    public void Open(bool reconnect, bool resume, bool force)
    {
        long truncate = 0;
        if (!reconnect)
        {
            RunDirectory.Prepare(_layout, SpecEmitter.ToYaml(spec), resume, spec.Checkpoint);
            if (_fence is S3WorldFence remote) RequireConditionalWrites(remote);
            if (resume && ResumeLoader.FindNewest(_checkpoints, spec, force, log) is { } checkpoint) truncate = checkpoint.Step;
        }
        _upload = RunStorage.LogUpload(_layout, spec.Checkpoint, RunLogFiles.Coordinator, log);
        // A coordinator in a new pod continues the bucket's events.jsonl, not an empty one that would replace it there; one
        // that replaces a running run's coordinator does not know the step, so any later copy in the bucket wins.
        if (_upload != null)
            RunLogDownload.ContinueNewer(_upload.Remote, RunLogNames.Events, _layout.EventsFile, reconnect ? long.MaxValue : truncate, log);
        _events = new EventLog(_layout.EventsFile, truncateAfterStep: reconnect ? null : truncate);
        _events.Written += (kind, step, details) => EventWritten?.Invoke(kind, step, details);
        // Every event goes to the bucket, not only at checkpoints: events are rare (worlds, losses, checkpoints; never one per
        // step) and the passes coalesce (one in flight, one queued), and the pod's disk dies with the coordinator: a
        // coordinator killed before the first checkpoint took the run's first world with it (the bed's S3 launch test).
        if (_upload != null) _events.Written += (_, _, _) => _upload.Request();
        _upload?.Request(); // run.yaml, and the events cut back by a resume
    }

    public void Write(long step, string kind, JsonObject? details) => _events?.Write(step, kind, details);

    public void Write(long step, RunEvent runEvent) => _events?.Write(step, runEvent);

    public CheckpointRef? NewestValidCheckpoint() => _checkpoints.FindNewestValid() is { } f ? new CheckpointRef(f.Step, f.Path) : null;

    public long FenceEpoch() => _fence.Read();

    public void RaiseFence(long epoch) => _fence.Raise(epoch);

    /// <summary>A cluster needs the fence; on object storage that means conditional writes: without them, refuse to start (exit 2).</summary>
    static void RequireConditionalWrites(S3WorldFence fence)
    {
        try
        {
            fence.RequireConditionalWrites();
        }
        catch (InvalidDataException e)
        {
            throw new SpecException(RunStorage.UriField, "an S3 server that honours conditional writes (If-None-Match, If-Match) for a cluster run's world fence",
                e.Message, "input");
        }
    }

    /// <summary>The committed checkpoints that verify, as collapse rollback candidates.</summary>
    public IReadOnlyList<CollapseCheckpoint> CollapseCandidates() => CollapseSupervisor.Candidates(_checkpoints);

    /// <summary>The collapse response state recorded by the newest checkpoint and the last collapse_rollback event.</summary>
    public CollapseResponseState RecordedCollapseState() =>
        CollapseSupervisor.ResumeState(_checkpoints.FindNewestValid()?.Manifest, _layout.EventsFile); // one verifying pass

    /// <summary>
    /// A collapse rollback, before anyone trains from the checkpoint (rank 0 drops metrics rows past its start step
    /// when it opens the log): move what the abandoned steps wrote to rollbacks/N/, drop newer checkpoints, and
    /// record collapse_rollback.
    /// </summary>
    public void ArchiveRollback(CollapseAction.RollBack action, CollapseFlagState flag, CollapseSupervisor supervisor)
    {
        var dropped = _checkpoints.DropAfter(action.ToStep);
        using var metrics = new JsonlWriter(_layout.MetricsFile);
        Write(action.ToStep, supervisor.RecordRollback(action, flag, dropped, _layout, metrics, _events!));
    }

    public string CheckpointDir(long step) => _checkpoints.PathOf(step);

    /// <summary>Remembers where the world's trainer nodes are (<see cref="RunLayout.ClusterNodesFile"/>).</summary>
    public void WriteMemberNodes(IEnumerable<string> addresses) =>
        Core.IO.DurableFile.WriteAllBytes(_layout.ClusterNodesFile, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', addresses.Distinct()) + "\n"));

    /// <summary>
    /// The trainer nodes of the newest world, as seeds for a coordinator that replaces one of a running run: it
    /// rejoins the running cluster through them even when its own seed list names only itself.
    /// </summary>
    public static IReadOnlyList<string> ReadMemberNodes(string root)
    {
        string path = new RunLayout(root).ClusterNodesFile;
        try { return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.StartsWith("akka.", StringComparison.Ordinal)).ToList() : []; }
        catch (IOException) { return []; }
    }

    public void Dispose()
    {
        _events?.Dispose();
        _upload?.Flush(RunLogUpload.FinalWait);
    }
}
