using System.Diagnostics.Metrics;

namespace GanCluster.Telemetry;

/// <summary>
/// One rank's training metrics. The trainer calls <see cref="RecordStep"/> after every step (from the loop thread)
/// and <see cref="SetRank"/> when it joins a world (its rank, the world's size and epoch); gauges report the newest
/// step and the world joined last at each scrape, labelled with the rank held then.
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
    int _worldSize;
    long _worldEpoch;

    internal TrainerMetrics(TrainerInstruments instruments) => _i = instruments;

    /// <summary>The rank label ("" outside a world).</summary>
    public string Rank { get { lock (_lock) return _rank; } }

    /// <summary>
    /// The rank this trainer holds in a world of <paramref name="worldSize"/> ranks and epoch <paramref name="epoch"/>
    /// (gancluster_world_size and gancluster_world_epoch with role="trainer"; not reported while the size is 0).
    /// </summary>
    public void SetRank(int? rank, int worldSize = 0, long epoch = 0)
    {
        lock (_lock)
        {
            _rank = rank?.ToString() ?? "";
            _worldSize = rank == null ? 0 : worldSize;
            _worldEpoch = epoch;
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
        _i.DataWait.Record(s.DataWaitSeconds, rank);
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

    /// <summary>The world joined last (size 0: none) with the rank label to report it under.</summary>
    internal (int Size, long Epoch, string Rank) World()
    {
        lock (_lock) return (_worldSize, _worldEpoch, _rank);
    }

    /// <summary>The newest step and collapse evaluation with the rank label to report them under (null: nothing yet).</summary>
    internal (StepSample? Step, double Time, CollapseSample? Collapse, string Rank) Snapshot()
    {
        lock (_lock) return (_last, _lastTime, _collapse, _rank);
    }
}
