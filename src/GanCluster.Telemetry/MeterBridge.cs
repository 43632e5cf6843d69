using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace GanCluster.Telemetry;

/// <summary>
/// Publishes System.Diagnostics.Metrics instruments as Prometheus metrics in one prometheus-net registry.
/// The project's instrument names are already Prometheus names (gancluster_..., base units); OpenTelemetry-style
/// names such as the runtime's <c>dotnet.gc.pause.time</c> (unit s) are translated (<see cref="PrometheusName"/>).
/// Measurement tags become labels (sorted by name). Counters stay counters (an observable counter's cumulative
/// value is published as is) and histograms get per-instrument buckets (<see cref="Buckets"/>).
/// Observable instruments are a snapshot taken at each scrape: a label set not reported in that snapshot
/// (a rank this trainer no longer holds) disappears from the exposition.
/// </summary>
internal sealed class MeterBridge : IDisposable
{
    readonly MeterListener _listener = new();
    readonly IMetricFactory _factory;
    readonly Func<Instrument, bool> _include;
    readonly ConcurrentDictionary<Instrument, Family> _families = new();
    readonly Lock _collectLock = new();

    sealed class Family(Collector collector, string[] labelNames, bool observable)
    {
        public Collector Collector { get; } = collector;
        public bool Observable { get; } = observable;
        public string[] LabelNames { get; } = labelNames;
        public HashSet<string> Seen { get; } = [];
    }

    public MeterBridge(CollectorRegistry registry, Func<Instrument, bool> include)
    {
        _factory = Metrics.WithCustomRegistry(registry);
        _include = include;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_include(instrument)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(CollectObservables);
    }

    /// <summary>Histogram buckets by instrument name (seconds and bytes have their own scales).</summary>
    public static double[] Buckets(string name) => name switch
    {
        _ when name.Contains("allreduce") || name.Contains("broadcast") => Histogram.ExponentialBuckets(0.0005, 2, 16),
        _ when name.Contains("checkpoint") || name.Contains("recovery") || name.Contains("state_transfer") => Histogram.ExponentialBuckets(0.01, 2, 15),
        _ => Histogram.ExponentialBuckets(0.005, 2, 15),
    };

    void CollectObservables()
    {
        lock (_collectLock)
        {
            foreach (var f in _families.Values) if (IsObservable(f)) f.Seen.Clear();
            _listener.RecordObservableInstruments();
            foreach (var f in _families.Values)
            {
                if (!IsObservable(f) || f.Collector is not Gauge gauge) continue;
                foreach (var labels in gauge.GetAllLabelValues().ToList())
                    if (!f.Seen.Contains(string.Join('\u001f', labels))) gauge.RemoveLabelled(labels);
            }
        }
    }

    static bool IsObservable(Family f) => f.Observable && f.Collector is Gauge;

    void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        try
        {
            var family = _families.GetOrAdd(instrument, Create, tags.ToArray());
            var values = new string[family.LabelNames.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = "";
                foreach (var t in tags)
                    if (LabelName(t.Key) == family.LabelNames[i]) { values[i] = t.Value?.ToString() ?? ""; break; }
            }
            switch (family.Collector)
            {
                case Counter c when instrument.IsObservable: c.WithLabels(values).IncTo(value); break; // a cumulative total
                case Counter c: c.WithLabels(values).Inc(Math.Max(0, value)); break;
                case Histogram h: h.WithLabels(values).Observe(value); break;
                case Gauge g when instrument is UpDownCounter<double> or UpDownCounter<long> or UpDownCounter<int>:
                    g.WithLabels(values).Inc(value); break;
                case Gauge g:
                    g.WithLabels(values).Set(value);
                    if (instrument.IsObservable) lock (family.Seen) family.Seen.Add(string.Join('\u001f', values));
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // A measurement whose labels do not fit the family (a programming error) must not break the instrumented code.
            System.Diagnostics.Trace.WriteLine($"metrics: {instrument.Name}: {e.Message}");
        }
    }

    Family Create(Instrument instrument, KeyValuePair<string, object?>[] tags)
    {
        var labels = tags.Select(t => LabelName(t.Key)).Order(StringComparer.Ordinal).ToArray();
        string help = instrument.Description ?? instrument.Name;
        string name = PrometheusName(instrument);
        Collector collector = instrument switch
        {
            _ when IsCounter(instrument) => _factory.CreateCounter(name, help, labels),
            Histogram<double> or Histogram<long> or Histogram<int> =>
                _factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = Buckets(name) }),
            _ => _factory.CreateGauge(name, help, labels),
        };
        return new Family(collector, labels, instrument.IsObservable);
    }

    static bool IsCounter(Instrument i) =>
        i is Counter<double> or Counter<long> or Counter<int> or ObservableCounter<double> or ObservableCounter<long> or ObservableCounter<int>
        && !GaugesDeclaredAsCounters.Contains(i.Name);

    // The .NET 10 runtime declares these two as observable counters, but they go down (threads retire, the queue
    // drains): a Prometheus counter would stick at its highest value, so they are published as gauges.
    static readonly HashSet<string> GaugesDeclaredAsCounters = ["dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length"];

    /// <summary>
    /// The Prometheus name of an instrument: project names (no dots) as they are; an OpenTelemetry name as the
    /// OpenTelemetry Prometheus exporter writes it (dots to underscores, the unit as a suffix, _total on counters),
    /// e.g. dotnet.gc.pause.time [s] -> dotnet_gc_pause_time_seconds_total.
    /// </summary>
    public static string PrometheusName(Instrument instrument)
    {
        if (!instrument.Name.Contains('.')) return instrument.Name;
        string name = instrument.Name.Replace('.', '_');
        string unit = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
        if (unit.Length > 0 && !name.EndsWith(unit, StringComparison.Ordinal)) name += unit;
        return IsCounter(instrument) ? name + "_total" : name;
    }

    /// <summary>A tag key as a Prometheus label name (gc.heap.generation -> gc_heap_generation).</summary>
    static string LabelName(string key) => key.Replace('.', '_');

    public void Dispose() => _listener.Dispose();
}
