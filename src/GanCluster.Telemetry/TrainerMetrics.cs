using System.Diagnostics.Metrics;

namespace GanCluster.Telemetry;

/// <summary>
/// One rank's training metrics. The trainer calls <see cref="RecordStep"/> after every step (from the loop thread)
/// and <see cref="SetRank"/> when it joins a world; gauges report the newest step at each scrape, labelled with
/// the rank held then.
/// </summary>
public sealed class TrainerMetrics
{
    readonly TrainerInstruments _i;
    readonly Lock _lock = new();
    StepSample? _last;
    double _lastTime;
    CollapseSample? _collapse;
    long _skippedSeen;
    string _rank = "";

    internal TrainerMetrics(TrainerInstruments instruments) => _i = instruments;

    /// <summary>The rank label ("" outside a world).</summary>
    public string Rank { get { lock (_lock) return _rank; } }

    public void SetRank(int? rank)
    {
        lock (_lock)
        {
            _rank = rank?.ToString() ?? "";
            if (rank != 0) _collapse = null; // only rank 0 evaluates collapse
        }
    }

    public void RecordStep(StepSample s)
    {
        KeyValuePair<string, object?> rank;
        long newlySkipped;
        lock (_lock)
        {
            rank = new("rank", _rank);
            // SkippedNonFinite is the run's total (restored from checkpoints): count only what this process saw grow.
            newlySkipped = _last == null ? 0 : Math.Max(0, s.SkippedNonFinite - _skippedSeen);
            _skippedSeen = s.SkippedNonFinite;
            _last = s;
            _lastTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        }
        _i.Steps.Add(1, rank);
        _i.StepDuration.Record(s.Seconds, rank);
        _i.Images.Add(Math.Max(0, s.Images), rank);
        if (newlySkipped > 0) _i.NonFinite.Add(newlySkipped, rank);
        else _i.NonFinite.Add(0, rank); // the series exists from the first step, so rate() and increase() see its start
        if (s.DSkippedByPolicy) _i.DSkipped.Add(1, rank);
    }

    public void RecordCollapse(CollapseSample c)
    {
        lock (_lock) _collapse = c;
        _i.CollapseEvaluations.Add(1, new KeyValuePair<string, object?>("rank", Rank));
    }

    /// <summary>The newest step and collapse evaluation with the rank label to report them under (null: nothing yet).</summary>
    internal (StepSample? Step, double Time, CollapseSample? Collapse, string Rank) Snapshot()
    {
        lock (_lock) return (_last, _lastTime, _collapse, _rank);
    }
}
