using System.Diagnostics;
using GanCluster.Core.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Training.Checkpointing;

/// <summary>
/// Writes snapshots to the checkpoint store on a background task, one at a time, so training does not wait
/// for the disk: the snapshot is taken between steps (in memory), the write overlaps the next steps.
/// Each commit or failure is an event.
/// </summary>
/// <param name="publish">guards the commit's final rename (<see cref="Distributed.FenceGuard"/>): a commit it refuses
/// throws from the next <see cref="Flush"/> (or <see cref="Submit"/>) on the training thread, and writes no event</param>
public sealed class CheckpointWriter(CheckpointStore store, IEventSink? events, Action<Action>? publish = null) : IDisposable
{
    Task? _inflight;

    public CheckpointStore Store { get; } = store;

    public long LastCommittedStep { get; private set; } = -1;

    public int Failures { get; private set; }

    /// <summary>Raised on the writer task after each successful commit: (step, bytes, seconds).</summary>
    public event Action<long, long, double>? Committed;

    /// <summary>Queues <paramref name="snapshot"/> as checkpoint <paramref name="step"/> (waits for the previous write first).</summary>
    public void Submit(long step, string specHash, TrainerSnapshot snapshot, JsonObject? info = null)
    {
        Flush();
        _inflight = Task.Run(() => Write(step, specHash, snapshot, info));
    }

    public void WriteNow(long step, string specHash, TrainerSnapshot snapshot, JsonObject? info = null)
    {
        Flush();
        Write(step, specHash, snapshot, info);
    }

    void Write(long step, string specHash, TrainerSnapshot snapshot, JsonObject? info)
    {
        using var span = GanActivities.Source.StartActivity(GanActivities.Checkpoint)?.SetTag("gancluster.step", step)
            .SetTag("gancluster.bytes", snapshot.Bytes);
        var clock = Stopwatch.StartNew();
        try
        {
            string dir = Store.Commit(step, specHash, snapshot.Files, info, publish);
            LastCommittedStep = step;
            double seconds = clock.Elapsed.TotalSeconds;
            events?.Write(step, new CheckpointCommittedEvent(dir, snapshot.Bytes, Math.Round(seconds, 4)));
            Committed?.Invoke(step, snapshot.Bytes, seconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failures++;
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            events?.Write(step, new CheckpointFailedEvent(e.Message));
        }
    }

    /// <summary>
    /// Removes the checkpoints after <paramref name="step"/> (a collapse rollback abandons them) once the write in
    /// flight is done; returns the steps removed.
    /// </summary>
    public IReadOnlyList<long> DropAfter(long step)
    {
        Flush();
        var dropped = Store.DropAfter(step);
        if (LastCommittedStep > step) LastCommittedStep = Store.List() is { Count: > 0 } left ? left[0].Step : -1;
        return dropped;
    }

    /// <summary>Waits for the write in flight, if any.</summary>
    public void Flush()
    {
        _inflight?.GetAwaiter().GetResult();
        _inflight = null;
    }

    public void Dispose()
    {
        try { Flush(); }
        catch (Distributed.WorldFencedException) { } // the world is over; its refused commit has already been cleaned up
    }
}
