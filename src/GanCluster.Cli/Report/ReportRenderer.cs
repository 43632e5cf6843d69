using System.Globalization;
using System.Net;
using System.Text;
using GanCluster.Core.Runs;
using ScottPlot;

namespace GanCluster.Cli.Report;

/// <summary>
/// Renders a <see cref="RunHistory"/> as one self-contained HTML page: a summary table, PNG charts (ScottPlot)
/// and the newest sample grid embedded as base64 data URIs, the event list and run.yaml. No network, no files
/// next to it. Long series are cut to at most <see cref="MaxPoints"/> points per series by min/max buckets.
/// </summary>
public sealed class ReportRenderer
{
    public const int MaxPoints = 2000;
    const int Width = 960, Height = 320;
    const int MaxEventRows = 1000;
    const int MaxMarkers = 200;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One chart: series on the left axis (and optionally one on the right), events of these kinds marked.</summary>
    sealed record ChartDef(string Id, string Title, string YLabel, string[] Left, string? Right, string[] Marks);

    static readonly string[] PlanMarks = [EventKind.LrChanged, EventKind.PhaseStarted, EventKind.ResolutionGrown];
    static readonly string[] WorldMarks = [EventKind.WorldFormed, EventKind.Recovered, EventKind.MemberLost];
    static readonly string[] CollapseMarks = [EventKind.CollapseSuspected, EventKind.CollapseCleared, EventKind.CollapseRollback];

    static readonly ChartDef[] Charts =
    [
        new("losses", "Losses", "loss", ["loss_d", "loss_g"], null, [.. WorldMarks.Skip(1), .. PlanMarks, .. CollapseMarks]),
        new("d-outputs", "Discriminator outputs: D(x) and D(G(z))", "D output", ["d_real", "d_fake"], null, []),
        new("learning-rates", "Learning rates", "learning rate", ["lr_g", "lr_d"], null, [EventKind.LrChanged]),
        new("progressive", "Progressive growing: resolution and fade-in alpha", "resolution (px)", ["resolution"], "alpha", [EventKind.PhaseStarted, EventKind.ResolutionGrown]),
        new("collapse", "Mode collapse monitor", "score / ratio", ["collapse_score", "diversity", "duplicate_rate"], null, CollapseMarks),
        new("quality", "Sample quality: precision and recall, FID", "fraction of images", ["precision", "recall"], "fid", CollapseMarks),
        new("throughput", "Throughput", "images / s", ["images_per_s"], null, WorldMarks.Skip(1).ToArray()),
        new("world-size", "World size", "trainers", ["world_size"], null, WorldMarks),
    ];

    static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c"), Color.FromHex("#ff7f0e"),
        Color.FromHex("#9467bd"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#17becf"),
        Color.FromHex("#7f7f7f"), Color.FromHex("#bcbd22"),
    ];

    public string Render(RunHistory run)
    {
        var html = new StringBuilder();
        string name = Path.GetFileName(run.Root.TrimEnd(Path.DirectorySeparatorChar));
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>GanCluster run report: {E(name)}</title>
            <style>{Css}</style>
            </head>
            <body>
            <h1>Run report: {E(name)}</h1>
            <p class="meta">{E(run.Root)} · generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC by gancluster report</p>

            """);
        foreach (var note in run.Notes) html.Append($"<p class=\"note\">{E(note)}</p>\n");
        Summary(run, html);
        html.Append("<section id=\"charts\">\n<h2>Charts</h2>\n");
        foreach (var chart in Charts)
        {
            var present = chart.Left.Concat(chart.Right is { } r ? [r] : []).Where(s => run[s] is { Count: > 0 }).ToArray();
            if (present.Length == 0) continue;
            html.Append(Figure(chart.Id, chart.Title, present, RenderChart(run, chart)));
        }
        if (run.Events.Count > 0) html.Append(Figure("timeline", "Event timeline", run.Events.Select(e => e.Kind).Distinct().ToArray(), RenderTimeline(run)));
        html.Append("</section>\n");
        Samples(run, html);
        EventTable(run, html);
        if (run.SpecYaml != null) html.Append($"<section id=\"spec\">\n<h2>run.yaml</h2>\n<pre>{E(run.SpecYaml)}</pre>\n</section>\n");
        html.Append($"<script>{Script}</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    // ---- Summary

    void Summary(RunHistory run, StringBuilder html)
    {
        html.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n");
        long? total = run.Events.LastOrDefault(e => e.Kind is EventKind.RunStarted or EventKind.RunResumed && e.Number("total_steps") != null)?.Number("total_steps") is { } t
            ? (long)t : run.Spec?.Steps;
        Row(html, "steps", "Steps", $"{run.FinalStep?.ToString(Inv) ?? "none"}{(total is { } tt ? $" of {tt.ToString(Inv)}" : "")} ({run.MetricRows.ToString(Inv)} metrics rows)",
            run.FinalStep?.ToString(Inv));
        if (run.Events.LastOrDefault(e => e.Kind is EventKind.RunFinished or EventKind.RunComplete or EventKind.RunInterrupted or EventKind.CollapseStopped or EventKind.WorldAborted) is { } end)
            Row(html, "status", "Last run event", $"{end.Kind} at step {end.Step.ToString(Inv)}", end.Kind);
        var (start, finish) = Period(run);
        if (start is { } s && finish is { } f)
            Row(html, "wall-time", "Wall time", $"{Duration(f - s)} ({s:yyyy-MM-dd HH:mm:ss} to {f:yyyy-MM-dd HH:mm:ss} UTC)", Seconds((f - s).TotalSeconds));
        var finals = new[] { "loss_d", "loss_g", "d_real", "d_fake" }.Where(k => run[k] is { Count: > 0 }).ToArray();
        if (finals.Length > 0)
            Row(html, "final-losses", "Final losses", string.Join(", ", finals.Select(k => $"{k} {Number(run[k]!.LastValue)}")), null);
        Row(html, "world-size", "World size history", WorldHistory(run), null);

        var recoveries = run.Events.Where(e => e.Kind == EventKind.Recovered).ToList();
        var seconds = recoveries.Select(e => e.Number("seconds")).OfType<double>().Order().ToArray();
        string recoveryText = recoveries.Count.ToString(Inv) + (seconds.Length > 0 ? $" (p50 {Seconds(Percentile(seconds, 0.5))} s, max {Seconds(seconds[^1])} s)" : "");
        Row(html, "recoveries", "Recoveries", recoveryText, recoveries.Count.ToString(Inv));

        var committed = run.Events.Where(e => e.Kind == EventKind.CheckpointCommitted).ToList();
        int failed = run.Events.Count(e => e.Kind == EventKind.CheckpointFailed);
        string checkpoints = committed.Count.ToString(Inv) + (committed.Count > 0 ? $" committed, last at step {committed[^1].Step.ToString(Inv)}" : " committed")
            + (failed > 0 ? $"; {failed.ToString(Inv)} failed" : "");
        Row(html, "checkpoints", "Checkpoints", checkpoints, committed.Count.ToString(Inv));

        var flags = run.Events.Where(e => e.Kind is EventKind.CollapseSuspected or EventKind.CollapseCleared).ToList();
        string collapse = flags.Count > 0
            ? $"{flags.Count.ToString(Inv)}: " + string.Join(", ", flags.Take(20).Select(e => $"{(e.Kind == EventKind.CollapseSuspected ? "suspected" : "cleared")} at step {e.Step.ToString(Inv)}")) + (flags.Count > 20 ? ", ..." : "")
            : run["collapse_score"] is { Count: > 0 } cs ? $"0 (flag never raised; {cs.Count.ToString(Inv)} evaluations, last collapse_score {Number(cs.LastValue)})" : "0 (no collapse monitor in this run)";
        int rollbacks = run.Events.Count(e => e.Kind == EventKind.CollapseRollback);
        if (rollbacks > 0) collapse += $"; {rollbacks.ToString(Inv)} rollbacks";
        Row(html, "collapse", "Collapse flag changes", collapse, flags.Count.ToString(Inv));

        if (run["fid"] is { Count: > 0 } fid)
        {
            string Last(string name) => run[name] is { Count: > 0 } m ? Number(m.LastValue) : "-";
            Row(html, "quality", "Sample quality (last evaluation)",
                $"at step {fid.Steps[^1].ToString(Inv)}: FID {Number(fid.LastValue)}, KID {Last("kid")}, precision {Last("precision")}, recall {Last("recall")} " +
                "(in the features metrics.jsonl names; FID is comparable with papers only for inception-v3)", Number(fid.LastValue));
        }

        long nonFinite = run["skipped_nonfinite"] is { Count: > 0 } nf ? (long)nf.LastValue : run.Events.Count(e => e.Kind == EventKind.NonFiniteSkipped);
        Row(html, "nonfinite", "Non-finite steps skipped", nonFinite.ToString(Inv), nonFinite.ToString(Inv));
        int lrChanges = run.Events.Count(e => e.Kind == EventKind.LrChanged);
        Row(html, "lr-changes", "Learning-rate changes", lrChanges.ToString(Inv), lrChanges.ToString(Inv));
        html.Append("</table>\n</section>\n");
    }

    static void Row(StringBuilder html, string id, string label, string text, string? value) =>
        html.Append($"<tr id=\"summary-{id}\"{(value == null ? "" : $" data-value=\"{E(value)}\"")}><th>{E(label)}</th><td>{E(text)}</td></tr>\n");

    static string WorldHistory(RunHistory run)
    {
        var changes = new List<(long Step, long Size)>();
        var formed = run.Events.Where(e => e.Kind == EventKind.WorldFormed && e.Number("world_size") != null).ToList();
        if (formed.Count > 0)
            foreach (var e in formed) changes.Add(((long)(e.Number("start_step") ?? e.Step), (long)e.Number("world_size")!.Value));
        else if (run["world_size"] is { Count: > 0 } ws)
            for (int i = 0; i < ws.Count; i++)
                if (i == 0 || ws.Values[i] != ws.Values[i - 1]) changes.Add(((long)ws.Steps[i], (long)ws.Values[i]));
        if (changes.Count == 0) return "unknown";
        string text = string.Join(" → ", changes.Take(30).Select(c => $"{c.Size.ToString(Inv)} (step {c.Step.ToString(Inv)})"));
        return changes.Count > 30 ? text + $" → ... ({changes.Count.ToString(Inv)} worlds)" : text;
    }

    static (DateTimeOffset?, DateTimeOffset?) Period(RunHistory run)
    {
        var times = new List<DateTimeOffset>();
        if (run["time"] is { Count: > 0 } t)
        {
            times.Add(DateTimeOffset.FromUnixTimeMilliseconds((long)(t.Values.Min() * 1000)));
            times.Add(DateTimeOffset.FromUnixTimeMilliseconds((long)(t.Values.Max() * 1000)));
        }
        times.AddRange(run.Events.Select(e => e.Time).OfType<DateTimeOffset>());
        return times.Count == 0 ? (null, null) : (times.Min().ToUniversalTime(), times.Max().ToUniversalTime());
    }

    /// <summary>Linear interpolation between closest ranks (the median of an even count is the mean of the middle two).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double rank = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    // ---- Charts

    readonly Dictionary<string, byte[]> _charts = [];

    /// <summary>The charts of the last <see cref="Render"/>, by id, as PNG (the command also writes them as files).</summary>
    public IReadOnlyDictionary<string, byte[]> RenderedCharts => _charts;

    string Figure(string id, string title, string[] series, byte[] png)
    {
        _charts[id] = png;
        return FigureHtml(id, title, series, png);
    }

    static string FigureHtml(string id, string title, string[] series, byte[] png) =>
        $"<figure class=\"chart\" id=\"chart-{id}\" data-series=\"{E(string.Join(' ', series))}\">\n"
        + $"<img alt=\"{E(title)}\" width=\"{Width}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">\n"
        + $"<figcaption>{E(title)}: {E(string.Join(", ", series))}</figcaption>\n</figure>\n";

    byte[] RenderChart(RunHistory run, ChartDef chart)
    {
        var plot = new Plot();
        plot.Title(chart.Title);
        plot.XLabel("step");
        plot.YLabel(chart.YLabel);
        int color = 0;
        var left = chart.Left.Where(s => run[s] is { Count: > 0 }).Select(s => run[s]!).ToList();
        foreach (var series in left) AddLine(plot, series, Palette[color++ % Palette.Length], null);
        if (chart.Right is { } right && run[right] is { Count: > 0 } rs)
        {
            AddLine(plot, rs, Palette[color++ % Palette.Length], plot.Axes.Right);
            plot.Axes.Right.Label.Text = right;
        }
        var marks = run.Events.Where(e => chart.Marks.Contains(e.Kind)).Select(e => (e.Kind, Step: StepOf(run, e))).Where(m => m.Step != null).Take(MaxMarkers).ToList();
        foreach (var kind in marks.Select(m => m.Kind).Distinct())
        {
            var c = KindColor(kind);
            bool first = true;
            foreach (var m in marks.Where(m => m.Kind == kind))
            {
                var line = plot.Add.VerticalLine(m.Step!.Value);
                line.Color = c.WithAlpha(0.6);
                line.LineWidth = 1;
                line.LinePattern = LinePattern.Dashed;
                if (first) line.LegendText = kind;
                first = false;
            }
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.AutoScale();
        FlatAxis(plot, left, plot.Axes.Left);
        if (chart.Right is { } r2 && run[r2] is { Count: > 0 } rs2) FlatAxis(plot, [rs2], plot.Axes.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>A constant series (a fixed lr of 0.0002) would be centred in a ±1 range that hides its value.</summary>
    static void FlatAxis(Plot plot, IReadOnlyList<MetricSeries> series, IYAxis axis)
    {
        if (series.Count == 0) return;
        double min = series.Min(s => s.Values.Min()), max = series.Max(s => s.Values.Max());
        if (max - min > 1e-12 * Math.Max(1, Math.Abs(max))) return;
        double pad = min == 0 ? 1 : Math.Abs(min) * 0.25;
        axis.Range.Set(min - pad, max + pad);
    }

    static void AddLine(Plot plot, MetricSeries series, Color color, IYAxis? axis)
    {
        var (xs, ys) = Downsample(series.Steps, series.Values, MaxPoints);
        var scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = axis == null ? series.Name : series.Name + " (right axis)";
        scatter.LineWidth = 1.5f;
        scatter.MarkerSize = xs.Length <= 50 ? 4 : 0;
        if (axis != null) scatter.Axes.YAxis = axis;
    }

    byte[] RenderTimeline(RunHistory run)
    {
        var kinds = run.Events.Select(e => e.Kind).Distinct().ToList();
        var plot = new Plot();
        plot.Title("Events (x: step; events without a step placed by their time)");
        plot.XLabel("step");
        for (int lane = 0; lane < kinds.Count; lane++)
        {
            var steps = run.Events.Where(e => e.Kind == kinds[lane]).Select(e => StepOf(run, e)).OfType<double>().ToArray();
            if (steps.Length == 0) continue;
            var (xs, _) = Downsample(steps, steps, MaxPoints); // dense kinds (checkpoints): keep their extent
            var points = plot.Add.ScatterPoints(xs, Enumerable.Repeat((double)lane, xs.Length).ToArray(), KindColor(kinds[lane]));
            points.MarkerSize = 8;
        }
        plot.Axes.Left.SetTicks(Enumerable.Range(0, kinds.Count).Select(i => (double)i).ToArray(), kinds.ToArray());
        plot.Axes.SetLimitsY(-0.7, kinds.Count - 0.3);
        if (run.FinalStep is { } last) plot.Axes.SetLimitsX(-0.02 * Math.Max(1, last), Math.Max(1, last) * 1.02);
        return plot.GetImageBytes(Width, Math.Max(160, 90 + 26 * kinds.Count), ImageFormat.Png);
    }

    static Color KindColor(string kind) => kind switch
    {
        EventKind.Recovered or EventKind.WorldFormed => Color.FromHex("#2ca02c"),
        EventKind.MemberLost or EventKind.WorldAborted or EventKind.TrainerFailed => Color.FromHex("#d62728"),
        EventKind.CollapseSuspected or EventKind.CollapseRollback or EventKind.CollapseStopped => Color.FromHex("#e377c2"),
        EventKind.CollapseCleared => Color.FromHex("#17becf"),
        EventKind.LrChanged => Color.FromHex("#ff7f0e"),
        EventKind.PhaseStarted or EventKind.ResolutionGrown => Color.FromHex("#9467bd"),
        EventKind.CheckpointCommitted => Color.FromHex("#7f7f7f"),
        _ => Palette[(int)((uint)StableHash(kind) % (uint)Palette.Length)],
    };

    static int StableHash(string s)
    {
        unchecked
        {
            int h = 17;
            foreach (char c in s) h = h * 31 + c;
            return h;
        }
    }

    /// <summary>
    /// The step an event belongs at: its own, or for events written outside a step (step -1) the step of the last
    /// metrics row written before it; null when neither is known.
    /// </summary>
    static double? StepOf(RunHistory run, RunEvent e)
    {
        if (e.Step >= 0) return e.Step;
        if (e.Time is not { } time || run["time"] is not { Count: > 0 } t) return null;
        double unix = time.ToUnixTimeMilliseconds() / 1000.0;
        int i = t.Values.BinarySearch(unix);
        if (i < 0) i = ~i - 1;
        return i < 0 ? t.Steps[0] : t.Steps[i];
    }

    /// <summary>
    /// At most <paramref name="maxPoints"/> points: consecutive buckets each keep their lowest and highest value (in
    /// x order), so spikes survive and the global min and max are always kept. Shorter input comes back as is.
    /// </summary>
    public static (double[] X, double[] Y) Downsample(IReadOnlyList<double> x, IReadOnlyList<double> y, int maxPoints)
    {
        int n = x.Count;
        if (n <= maxPoints) return (x.ToArray(), y.ToArray());
        int buckets = Math.Max(1, maxPoints / 2);
        var xs = new List<double>(buckets * 2);
        var ys = new List<double>(buckets * 2);
        for (int b = 0; b < buckets; b++)
        {
            int start = (int)((long)b * n / buckets), end = (int)((long)(b + 1) * n / buckets);
            if (end <= start) continue;
            int min = start, max = start;
            for (int i = start + 1; i < end; i++)
            {
                if (y[i] < y[min]) min = i;
                if (y[i] > y[max]) max = i;
            }
            foreach (int i in min == max ? [min] : min < max ? new[] { min, max } : [max, min])
            {
                xs.Add(x[i]);
                ys.Add(y[i]);
            }
        }
        return (xs.ToArray(), ys.ToArray());
    }

    // ---- Samples, events

    static void Samples(RunHistory run, StringBuilder html)
    {
        html.Append("<section id=\"samples\">\n<h2>Samples</h2>\n");
        if (run.Samples.Count == 0)
        {
            html.Append("<p>No sample grids in samples/.</p>\n</section>\n");
            return;
        }
        var (step, path) = run.Samples[^1];
        html.Append($"<figure class=\"sample\" id=\"sample-newest\" data-step=\"{step.ToString(Inv)}\">\n"
            + $"<img alt=\"sample grid at step {step.ToString(Inv)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(path))}\">\n"
            + $"<figcaption>Newest sample grid: step {step.ToString(Inv)} ({E(Path.GetFileName(path))}); {run.Samples.Count.ToString(Inv)} grids in samples/</figcaption>\n</figure>\n");
        // Up to five earlier grids, evenly spread, to see the run progress.
        var earlier = run.Samples.Take(run.Samples.Count - 1).ToList();
        if (earlier.Count > 0)
        {
            int take = Math.Min(5, earlier.Count);
            var picked = Enumerable.Range(0, take).Select(i => earlier[(int)((long)i * (earlier.Count - 1) / Math.Max(1, take - 1))]).Distinct().ToList();
            html.Append("<div class=\"strip\">\n");
            foreach (var (s, p) in picked)
                html.Append($"<figure class=\"sample-earlier\" data-step=\"{s.ToString(Inv)}\"><img alt=\"sample grid at step {s.ToString(Inv)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(p))}\"><figcaption>step {s.ToString(Inv)}</figcaption></figure>\n");
            html.Append("</div>\n");
        }
        html.Append("</section>\n");
    }

    static void EventTable(RunHistory run, StringBuilder html)
    {
        html.Append("<section id=\"events\">\n<h2>Events</h2>\n");
        if (run.Events.Count == 0)
        {
            html.Append("<p>No events.jsonl, or no events in it.</p>\n</section>\n");
            return;
        }
        var counts = run.Events.GroupBy(e => e.Kind).Select(g => $"{g.Key} {g.Count().ToString(Inv)}");
        html.Append($"<p>{run.Events.Count.ToString(Inv)} events: {E(string.Join(", ", counts))}.</p>\n");
        html.Append("<table class=\"events\">\n<tr><th>line</th><th>time (UTC)</th><th>step</th><th>kind</th><th>details</th></tr>\n");
        foreach (var e in run.Events.Take(MaxEventRows))
        {
            string details = e.Details.ToJsonString();
            if (details.Length > 240) details = details[..237] + "...";
            html.Append($"<tr class=\"event\" data-kind=\"{E(e.Kind)}\"><td>{e.Line.ToString(Inv)}</td><td>{e.Time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", Inv) ?? ""}</td><td>{e.Step.ToString(Inv)}</td><td>{E(e.Kind)}</td><td><code>{E(details)}</code></td></tr>\n");
        }
        html.Append("</table>\n");
        if (run.Events.Count > MaxEventRows) html.Append($"<p>First {MaxEventRows.ToString(Inv)} events shown; events.jsonl has them all.</p>\n");
        html.Append("</section>\n");
    }

    // ---- Formatting

    static string E(string text) => WebUtility.HtmlEncode(text);

    static string Number(double v) => v.ToString("G5", Inv);

    static string Seconds(double v) => v.ToString("0.###", Inv);

    static string Duration(TimeSpan d) =>
        d.TotalSeconds < 60 ? $"{Seconds(d.TotalSeconds)} s"
        : d.TotalHours < 1 ? $"{d.Minutes} min {d.Seconds:D2} s"
        : $"{(int)d.TotalHours} h {d.Minutes:D2} min {d.Seconds:D2} s";

    const string Css = """
        body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 1.5rem auto; max-width: 1000px; color: #222; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
        .meta, .note { color: #666; font-size: .9rem; }
        table { border-collapse: collapse; font-size: .9rem; }
        th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #eee; vertical-align: top; }
        table.summary th { white-space: nowrap; }
        figure { margin: 1rem 0; } figcaption { color: #555; font-size: .85rem; }
        figure.chart img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figure.sample img { image-rendering: pixelated; min-width: 256px; max-width: 100%; }
        .strip { display: flex; flex-wrap: wrap; gap: .8rem; } .strip img { image-rendering: pixelated; width: 160px; }
        table.events code { font-size: .8rem; word-break: break-all; }
        pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: .85rem; }
        """;

    /// <summary>Marks the page for headless checks: data-images-ok once every image decoded, data-errors for script errors.</summary>
    const string Script = """
        window.addEventListener('error', function (e) { document.body.dataset.errors = (document.body.dataset.errors || '') + e.message + ';'; });
        window.addEventListener('load', function () {
          var broken = Array.prototype.filter.call(document.images, function (i) { return !i.complete || i.naturalWidth === 0; });
          document.body.dataset.images = String(document.images.length);
          document.body.dataset.imagesOk = String(broken.length === 0);
          document.body.dataset.brokenImages = broken.map(function (i) { return i.alt; }).join('|');
        });
        """;
}
