using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.IO;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;
using GanCluster.Training.Distributed;
using GanCluster.Training.Models.Msg;
using GanCluster.Training.Sampling;
using GanCluster.Training.Steps;
using static TorchSharp.torch;

namespace GanCluster.Training.Recording;

/// <summary>
/// What a trainer writes about its run, all of it by the current world's rank 0: metrics.jsonl rows, run events
/// (events.jsonl in a single process; in a cluster they go to the coordinator, its one writer), and sample grids.
/// Before rank 0 writes, it checks the fence: a rank 0 of an abandoned world must not touch the run directory.
/// Every rank keeps the last metrics row, so whoever is rank 0 of the next world can write it if its predecessor
/// could not. Rebound with each world (<see cref="Bind"/>). With checkpoint.uri in S3, rank 0 also uploads the files it
/// writes beside the checkpoints (<see cref="RunLogUpload"/>: metrics.jsonl and samples; in a single process events.jsonl
/// and run.yaml too, which in a cluster are the coordinator's).
/// </summary>
public sealed class RunRecorder : IDisposable
{
    readonly RunLayout _layout;
    readonly RunMode _mode;
    readonly RunSpec _spec;
    readonly nn.Module<Tensor, Tensor> _generator;
    readonly nn.Module<Tensor, Tensor>? _generatorAverage;
    readonly Tensor _sampleLatents;
    readonly Device _device;
    readonly Action<string> _log;
    long _epoch;
    RunLogUpload? _upload;
    JsonlWriter? _metrics;
    EventLog? _ownEvents;
    IEventSink? _events;
    JsonObject? _lastRow;

    /// <param name="generatorAverage">the generator EMA: samples come from it when the run keeps one</param>
    /// <param name="sampleCount">images in a sample grid (the same latents every time)</param>
    public RunRecorder(RunLayout layout, RunMode mode, RunSpec spec, nn.Module<Tensor, Tensor> generator,
        nn.Module<Tensor, Tensor>? generatorAverage, int sampleCount, Device device, Action<string>? log = null)
    {
        (_layout, _mode, _spec, _generator, _generatorAverage, _device) = (layout, mode, spec, generator, generatorAverage, device);
        _log = log ?? (_ => { });
        _sampleLatents = StepRandom.FixedLatents(spec.Seed, sampleCount, spec.Model.Nz);
    }

    /// <summary>Whether this rank records (rank 0 of the current world).</summary>
    public bool IsRankZero { get; private set; }

    /// <summary>Rank 0's event sink (others: null), for the components that write their own events.</summary>
    public IEventSink? Events => _events;

    /// <summary>Raised on rank 0 after each metrics.jsonl row is written.</summary>
    public event Action<MetricsRow>? RowWritten;

    /// <summary>Raised on rank 0 after a sample grid was written: the step and the PNG file (samples/step-NNNNNN.png).</summary>
    public event Action<long, string>? SampleWritten;

    /// <summary>
    /// Enters world <paramref name="epoch"/> (0: a single process, no fence) as rank 0 or not. Rank 0 reopens the
    /// logs at <paramref name="step"/>, the step the world continues from: rows and events beyond it were written by
    /// a world that did not commit them; a row for that step its predecessor did not write is written now.
    /// </summary>
    public void Bind(long epoch, bool isRankZero, long step)
    {
        Close();
        _epoch = epoch;
        IsRankZero = isRankZero;
        if (!isRankZero)
        {
            _upload = null; // the files are the new rank 0's now (a pass in flight still finishes)
            return;
        }
        _layout.Create();
        ContinueUploadedLogs(step);
        _metrics = new JsonlWriter(_layout.MetricsFile, truncateAfterStep: step);
        if (_lastRow?["step"]?.GetValue<long>() == step && JsonlWriter.LastStep(_layout.MetricsFile) < step)
            _metrics.Write(_lastRow.DeepClone().AsObject());
        _events = _mode is RunMode.ClusterRank cluster ? cluster.Events
            : _ownEvents = new EventLog(_layout.EventsFile, truncateAfterStep: step);
    }

    /// <summary>
    /// With the logs in S3: a rank 0 whose disk lacks the run's history (another pod, an emptyDir) continues the
    /// bucket's copy of the logs it writes, then uploads them from now on.
    /// </summary>
    void ContinueUploadedLogs(long step)
    {
        var files = _mode is RunMode.ClusterRank ? RunLogFiles.Trainer : RunLogFiles.All;
        _upload ??= RunStorage.LogUpload(_layout, _spec.Checkpoint, files, _log);
        if (_upload == null) return;
        RunLogDownload.ContinueNewer(_upload.Remote, RunLogNames.Metrics, _layout.MetricsFile, step, _log);
        if (files.HasFlag(RunLogFiles.Events)) RunLogDownload.ContinueNewer(_upload.Remote, RunLogNames.Events, _layout.EventsFile, step, _log);
    }

    /// <summary>Rank 0 uploads its logs in the background (after a checkpoint commit); returns at once.</summary>
    public void UploadLogs() => _upload?.Request();

    /// <summary>Rank 0 at the run's end: the last upload of its logs, waited for (bounded).</summary>
    public void FlushLogs() => _upload?.Flush(RunLogUpload.FinalWait);

    /// <summary>Writes <paramref name="runEvent"/> when this rank is rank 0.</summary>
    public void Event(long step, RunEvent runEvent)
    {
        if (IsRankZero) _events?.Write(step, runEvent);
    }

    /// <summary>
    /// Keeps <paramref name="row"/> as the last row, on every rank and before rank 0's fence check: a rank 0 fenced out
    /// after completing the step may lead the next world from it, and then writes the row it could not write here.
    /// </summary>
    public void Keep(MetricsRow row) => _lastRow = RunJson.Row(row);

    /// <summary>Rank 0 writes <paramref name="row"/> to metrics.jsonl (call <see cref="CheckFence"/> first); it becomes the last row.</summary>
    public void Write(MetricsRow row)
    {
        Keep(row);
        if (!IsRankZero) return;
        _metrics!.Write(_lastRow!);
        RowWritten?.Invoke(row);
    }

    /// <summary>
    /// Writes samples/step-N.png from the run's sampling generator (the EMA when kept) on the fixed latents; an MSG
    /// generator also writes samples/scales-step-N.png, every scale of the first few (<see cref="ScaleStrip"/>).
    /// </summary>
    public void Sample(long step)
    {
        if (!IsRankZero) return;
        var g = _generatorAverage ?? _generator;
        g.eval();
        byte[] png = SampleGrid.Png(g, _sampleLatents, _spec, _device);
        if (g is IMultiScaleGenerator multi) DurableFile.WriteAllBytes(_layout.ScaleStripFile(step), ScaleStrip.Png(multi, _sampleLatents, _device));
        if (g == _generator) _generator.train();
        DurableFile.WriteAllBytes(_layout.SampleFile(step), png);
        SampleWritten?.Invoke(step, _layout.SampleFile(step));
    }

    /// <summary>The run's world fence, beside its checkpoints (RUN_DIR/world-epoch, or under checkpoint.uri).</summary>
    public IWorldFence Fence => _fence ??= RunStorage.Fence(_layout, _spec.Checkpoint);

    IWorldFence? _fence;

    /// <summary>Rank 0 of an abandoned world must not write to the run directory (see <see cref="IWorldFence"/>).</summary>
    public void CheckFence()
    {
        if (_epoch == 0) return;
        if (!Fence.Admits(_epoch, out long fence)) throw new WorldFencedException(_epoch, fence); // fails closed
    }

    /// <summary>
    /// A collapse rollback in this process: moves the abandoned rows and events to rollbacks/N/ and records the
    /// collapse_rollback event at the step the run continues from.
    /// </summary>
    public void RecordRollback(CollapseSupervisor supervisor, CollapseAction.RollBack action, CollapseFlagState flag, IReadOnlyList<long> dropped)
    {
        var rollback = supervisor.RecordRollback(action, flag, dropped, _layout, _metrics!,
            _ownEvents ?? throw new InvalidOperationException("only a single process rolls back in-process"));
        Event(action.ToStep, rollback);
    }

    /// <summary>The last row as JSON (a snapshot carries it to whoever is rank 0 next).</summary>
    public string? LastRowJson => _lastRow?.ToJsonString();

    /// <summary>Takes the last row a snapshot carried (null: none).</summary>
    public void RestoreLastRow(string? json) => _lastRow = json is null ? null : JsonNode.Parse(json) as JsonObject;

    void Close()
    {
        _metrics?.Dispose();
        _ownEvents?.Dispose();
        (_metrics, _ownEvents, _events) = (null, null, null);
    }

    public void Dispose()
    {
        Close();
        _sampleLatents.Dispose();
    }
}
