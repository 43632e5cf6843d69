using System.Diagnostics;
using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.Quality;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Data;
using GanCluster.Training.Features;
using GanCluster.Training.Quality;
using GanCluster.Training.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Collapse;

/// <summary>
/// The online collapse monitor (rank 0). Every <c>collapse.every</c> steps the trainer hands it the generator; it
/// copies the weights into its own generator (a memcpy between steps) and scores a fixed latent batch against a
/// fixed real sample on a background task, so the training step does not wait. At most one evaluation is in
/// flight: if the next one is due before the last finished, the trainer waits for it (bounded staleness).
/// Finished evaluations land in the next metrics row the trainer writes (with <c>collapse_step</c>, the step
/// whose weights were measured) and feed the collapse_suspected hysteresis; a flip is an event.
/// With a feature network (<c>collapse.features</c>) each evaluation also measures sample quality — FID, KID,
/// precision/recall/density/coverage against the same fixed real sample, whose features and statistics are computed
/// once and cached in RUN_DIR/quality/ — and the collapse score counts its recall (docs/collapse.md).
/// </summary>
public sealed class CollapseMonitor : IDisposable
{
    readonly CollapseSpec _spec;
    readonly ImageSource _data;
    readonly long _seed;
    readonly Device _device;
    readonly MnistClassifier? _classifier;
    readonly IFeatureNetwork? _network;
    readonly string? _qualityCache;
    readonly nn.Module<Tensor, Tensor> _generator;
    readonly Tensor _latents;
    readonly IEventSink? _events;
    readonly Action<string>? _log;
    readonly CollapseHysteresis _hysteresis;
    readonly Queue<Task<CollapseEvaluation>> _finished = new();
    (Tensor Live, Tensor Copy)[]? _pairs;
    Task<CollapseEvaluation>? _inflight;
    CollapseScorer? _scorer;
    QualityScorer? _quality;

    /// <param name="newGenerator">Builds a generator of the trained one's architecture (the monitor's private copy).</param>
    /// <param name="classifierPath">Weights of the classifier for mode coverage, or null (pixels only).</param>
    /// <param name="qualityCache">Where the real sample's quality features are cached for a network name (RUN_DIR/quality/real-NAME.bin), or null.</param>
    /// <param name="embeddedData">The run trains on the embedded MNIST (collapse.features: auto picks the MNIST embedding).</param>
    public CollapseMonitor(CollapseSpec spec, ImageSource data, long seed, int nz, Func<nn.Module<Tensor, Tensor>> newGenerator,
        Device device, string? classifierPath, IEventSink? events, Action<string>? log = null, CollapseFlagState? flag = null,
        Func<string, string>? qualityCache = null, bool embeddedData = false)
    {
        _spec = spec;
        _data = data;
        _seed = seed;
        _device = device;
        _events = events;
        _log = log;
        _classifier = classifierPath == null ? null : ClassifierFiles.Load(classifierPath, "collapse.classifier", device);
        _network = FeatureNetworks.Create(spec.Features, embeddedData, "collapse.features", device);
        _qualityCache = _network == null ? null : qualityCache?.Invoke(_network.Name);
        _generator = newGenerator();
        _generator.eval();
        using var rng = StepRandom.For(seed, -2, -1, 0x434F_4C4CUL); // "COLL": independent of the sample grid's latents
        _latents = randn([spec.SampleSize, nz], generator: rng);
        _hysteresis = new CollapseHysteresis(spec.HysteresisOptions(), flag);
    }

    /// <summary>The flag after the evaluations collected so far.</summary>
    public CollapseFlagState Flag => _hysteresis.State;

    public bool HasClassifier => _classifier != null;

    /// <summary>The feature network of the quality measures (null with collapse.features: none).</summary>
    public IFeatureNetwork? FeatureNetwork => _network;

    /// <summary>Raised on the training thread for each evaluation collected (telemetry subscribes).</summary>
    public event Action<CollapseEvaluation, CollapseFlagState>? Evaluated;

    public bool IsDue(long step) => step > 0 && step % _spec.Every == 0;

    /// <summary>Starts evaluating the generator's current weights as step <paramref name="step"/> (waits for the previous evaluation first).</summary>
    public void Submit(long step, nn.Module<Tensor, Tensor> generator)
    {
        WaitIdle();
        CopyWeights(generator);
        _inflight = Task.Run(() => Evaluate(step));
    }

    /// <summary>Waits for the evaluation in flight (its result is still collected by <see cref="Collect"/>).</summary>
    public void WaitIdle()
    {
        if (_inflight == null) return;
        try { _inflight.Wait(); }
        catch (AggregateException) { } // reported by Collect
        _finished.Enqueue(_inflight);
        _inflight = null;
    }

    /// <summary>
    /// Takes the evaluations that finished (without waiting), updates the flag, writes flag-change events at
    /// <paramref name="step"/>, and adds the newest one's fields to <paramref name="row"/>. Returns it, or null.
    /// </summary>
    public CollapseEvaluation? Collect(long step, JsonObject? row)
    {
        if (_inflight is { IsCompleted: true }) WaitIdle();
        CollapseEvaluation? newest = null;
        while (_finished.TryDequeue(out var task))
        {
            if (!task.IsCompletedSuccessfully)
            {
                var error = task.Exception?.GetBaseException();
                _log?.Invoke($"warning: collapse evaluation failed: {error?.GetType().Name}: {error?.Message}");
                continue;
            }
            var evaluation = task.Result;
            bool flipped = _hysteresis.Observe(evaluation.Step, evaluation.Measures.Score);
            if (flipped) WriteFlipEvent(step, evaluation);
            Evaluated?.Invoke(evaluation, _hysteresis.State);
            newest = evaluation;
        }
        if (newest != null && row != null)
        {
            row["collapse_step"] = newest.Step;
            foreach (var (key, value) in newest.Measures.ToJson(_hysteresis.Suspected))
                row[key == "n" ? "collapse_n" : key] = value?.DeepClone();
            if (newest.Quality is { } quality)
                foreach (var (key, value) in quality.ToJson()) row[key] = value?.DeepClone();
            row["collapse_eval_s"] = Math.Round(newest.Seconds, 4);
            if (newest.ReferenceSeconds > 0) row["collapse_reference_s"] = Math.Round(newest.ReferenceSeconds, 4);
        }
        return newest;
    }

    /// <summary>The flag state plus, when given, an evaluation's measures (for the run's last event).</summary>
    public JsonObject Summary(CollapseEvaluation? evaluation)
    {
        var summary = evaluation?.Measures.ToJson(_hysteresis.Suspected) ?? [];
        if (evaluation?.Quality is { } quality)
            foreach (var (key, value) in quality.ToJson()) summary[key] = value?.DeepClone();
        if (evaluation != null) summary["collapse_step"] = evaluation.Step;
        summary["flag"] = _hysteresis.State.ToJson();
        return summary;
    }

    /// <summary>Drops any evaluation in flight or uncollected and sets the flag state (a rollback restores the checkpoint's).</summary>
    public void Reset(CollapseFlagState flag)
    {
        WaitIdle();
        _finished.Clear();
        _hysteresis.Restore(flag);
    }

    void WriteFlipEvent(long step, CollapseEvaluation e)
    {
        var details = e.Measures.ToJson(_hysteresis.Suspected);
        details["evaluated_step"] = e.Step;
        details["raise_threshold"] = _spec.RaiseThreshold;
        details["clear_threshold"] = _spec.ClearThreshold;
        _events?.Write(step, _hysteresis.Suspected ? EventKind.CollapseSuspected : EventKind.CollapseCleared, details);
        _log?.Invoke(_hysteresis.Suspected
            ? $"collapse suspected at step {e.Step} (collapse_score {e.Measures.Score:F3})"
            : $"collapse cleared at step {e.Step} (collapse_score {e.Measures.Score:F3})");
    }

    void CopyWeights(nn.Module<Tensor, Tensor> live)
    {
        _pairs ??= Pair(live);
        using var _ = no_grad();
        foreach (var (from, to) in _pairs) to.copy_(from);
    }

    (Tensor, Tensor)[] Pair(nn.Module<Tensor, Tensor> live)
    {
        var mine = _generator.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(_generator.named_buffers()).ToDictionary(p => p.Item1, p => p.Item2);
        var theirs = live.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(live.named_buffers()).ToList();
        if (theirs.Count != mine.Count || theirs.Any(t => !mine.ContainsKey(t.Item1)))
            throw new InvalidOperationException("the collapse monitor's generator copy does not match the trained generator's layout");
        return theirs.Select(t => (t.Item2, mine[t.Item1])).ToArray();
    }

    CollapseEvaluation Evaluate(long step)
    {
        var clock = Stopwatch.StartNew();
        double referenceSeconds = 0;
        if (_scorer == null || (_network != null && _quality == null))
        {
            _scorer ??= CollapseScorer.Build(_data, _spec.RealSampleSize, _seed, _classifier, _spec.MeasureOptions(), _device);
            if (_network != null)
                _quality = QualityScorer.Build(_network, _data, _spec.RealSampleSize, _seed, QualityOptions.Default with { Seed = _seed }, _device, _qualityCache);
            referenceSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
        }
        using var _ = no_grad();
        Tensor Generate(int start, int count) => _generator.forward(_latents.narrow(0, start, count).to(_device));
        var measures = _scorer.Measure(_spec.SampleSize, Generate);
        var quality = _quality?.Measure(_spec.SampleSize, Generate); // the same latents: the same images again
        if (quality != null) measures = measures.WithRecall(quality.Recall, _spec.DuplicatePercentile);
        return new CollapseEvaluation(step, measures, clock.Elapsed.TotalSeconds, referenceSeconds, quality);
    }

    public void Dispose()
    {
        WaitIdle();
        _latents.Dispose();
        _generator.Dispose();
        _classifier?.Dispose();
        _network?.Dispose();
    }
}
