using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanCluster.Cli.Report;
using SkiaSharp;

namespace GanCluster.Cli.Tests;

/// <summary>`gancluster report`: a real tiny run end to end, a run with known figures, downsampling, bad input, and the page in headless Chromium.</summary>
public class ReportCommandTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-report-").FullName;

    [Fact]
    public void Reports_a_real_tiny_training_run()
    {
        var train = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=4", "--set", "checkpoint.every=2", .. TinyRun.Args]);
        Assert.True(train.ExitCode == 0, train.ToString());

        var r = CliProcess.Run(_dir, "report", "run"); // the issue's form: gancluster report RUN_DIR
        Assert.True(r.ExitCode == 0, r.ToString());
        string path = Path.Combine(_dir, "run", "report.html");
        Assert.Equal(path, r.Stdout.Trim());
        string html = File.ReadAllText(path);

        Assert.Equal("4", SummaryValue(html, "steps"));
        Assert.Equal("2", SummaryValue(html, "checkpoints"));
        Assert.Equal("run_finished", SummaryValue(html, "status"));
        var finalLossD = JsonNode.Parse(File.ReadLines(Path.Combine(_dir, "run", "metrics.jsonl")).Last())!["loss_d"]!.GetValue<double>();
        Assert.Contains($"loss_d {finalLossD.ToString("G5", CultureInfo.InvariantCulture)}", html);
        Assert.Equal(["losses", "d-outputs", "learning-rates", "progressive", "throughput", "world-size", "timeline"], ChartIds(html));
        Assert.DoesNotContain("chart-collapse", html); // no collapse monitor in this run

        // The newest grid (sample_every=2: step 4) is embedded byte for byte and decodes.
        Assert.Equal("4", Regex.Match(html, "id=\"sample-newest\" data-step=\"(\\d+)\"").Groups[1].Value);
        string newest = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_dir, "run", "samples", "step-000004.png")));
        Assert.Contains($"data:image/png;base64,{newest}\"", html);
        foreach (Match m in Regex.Matches(html, "data:image/png;base64,([A-Za-z0-9+/=]+)"))
        {
            using var bitmap = SKBitmap.Decode(Convert.FromBase64String(m.Groups[1].Value));
            Assert.NotNull(bitmap);
        }
        Assert.DoesNotContain("src=\"http", html); // self-contained

        // Each chart is also a PNG file beside the page, the same bytes as the embedded one.
        foreach (var id in ChartIds(html))
        {
            byte[] png = File.ReadAllBytes(Path.Combine(_dir, "run", "report-plots", id + ".png"));
            Assert.Contains($"id=\"chart-{id}\"", html);
            Assert.Contains(Convert.ToBase64String(png), html);
        }
    }

    [Fact]
    public void Summary_and_charts_show_the_figures_of_the_files()
    {
        string run = KnownRun(withCollapse: true);
        string html = new ReportRenderer().Render(RunHistory.Load(run));

        Assert.Equal("10", SummaryValue(html, "steps"));
        Assert.Contains("10 of 10 (10 metrics rows)", html);
        Assert.Contains("loss_d 0.6931, loss_g 1.25, d_real 0.55, d_fake 0.45", html);
        // Recovery seconds 1.5, 4 and 2.5: p50 2.5, max 4.
        Assert.Equal("3", SummaryValue(html, "recoveries"));
        Assert.Contains("3 (p50 2.5 s, max 4 s)", html);
        Assert.Contains("2 (step 0) → 1 (step 4) → 2 (step 7)", html);
        Assert.Equal("2", SummaryValue(html, "checkpoints"));
        Assert.Contains("2 committed, last at step 10", html);
        Assert.Equal("2", SummaryValue(html, "collapse"));
        Assert.Contains("suspected at step 6, cleared at step 9", html);
        Assert.Equal("3", SummaryValue(html, "nonfinite"));
        Assert.Equal("1", SummaryValue(html, "lr-changes"));
        Assert.Equal("18", SummaryValue(html, "wall-time")); // run_started at 10:00:00 to run_finished at 10:00:18

        Assert.Equal(["losses", "d-outputs", "learning-rates", "progressive", "collapse", "quality", "throughput", "world-size", "timeline"], ChartIds(html));
        Assert.Contains("id=\"chart-quality\" data-series=\"precision recall fid\"", html);
        Assert.Equal("30.75", SummaryValue(html, "quality"));
        Assert.Contains("at step 8: FID 30.75, KID -, precision 0.8, recall 0.7", html);
        Assert.Contains("id=\"chart-collapse\" data-series=\"collapse_score diversity\"", html);
        Assert.Contains("id=\"chart-progressive\" data-series=\"resolution alpha\"", html);
        Assert.Contains("id=\"chart-timeline\" data-series=\"run_started world_formed member_lost recovered checkpoint_committed lr_changed collapse_suspected collapse_cleared run_finished\"", html);
        Assert.Equal(14, Regex.Matches(html, "<tr class=\"event\"").Count);

        // The newest of two grids is the one embedded.
        Assert.Equal("10", Regex.Match(html, "id=\"sample-newest\" data-step=\"(\\d+)\"").Groups[1].Value);
        Assert.Contains(Convert.ToBase64String(File.ReadAllBytes(Path.Combine(run, "samples", "step-000010.png"))), html);
        Assert.Contains("data-step=\"4\"><img alt=\"sample grid at step 4\"", html);

        string plain = new ReportRenderer().Render(RunHistory.Load(KnownRun(withCollapse: false)));
        Assert.DoesNotContain("chart-collapse", plain);
        Assert.DoesNotContain("chart-quality", plain);
        Assert.Contains("0 (no collapse monitor in this run)", plain);
    }

    [Fact]
    public void Collapse_figures_are_placed_at_the_evaluated_step()
    {
        var history = RunHistory.Load(KnownRun(withCollapse: true));
        Assert.Equal([2.0, 5.0, 8.0], history["collapse_score"]!.Steps);
        Assert.Equal([0.1, 0.7, 0.2], history["collapse_score"]!.Values);
        Assert.Equal([2.0, 5.0, 8.0], history["recall"]!.Steps);
        Assert.Equal([0.6, 0.15, 0.7], history["recall"]!.Values);
        Assert.Equal(10, history["loss_d"]!.Count);
    }

    [Fact]
    public void Report_downsampling_keeps_min_and_max_within_the_point_budget()
    {
        int n = 100_000;
        var x = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var y = x.Select(i => Math.Sin(i / 500.0)).ToArray();
        y[12_345] = -50;
        y[67_890] = 99;
        y[99_999] = 42;
        var (xs, ys) = ReportRenderer.Downsample(x, y, ReportRenderer.MaxPoints);
        Assert.True(xs.Length <= ReportRenderer.MaxPoints, $"{xs.Length} points");
        Assert.True(xs.Length >= ReportRenderer.MaxPoints / 2);
        Assert.Equal(-50, ys.Min());
        Assert.Equal(99, ys.Max());
        Assert.Contains(12_345.0, xs);
        Assert.Contains(67_890.0, xs);
        Assert.Contains(42.0, ys); // a spike in the last bucket
        for (int i = 1; i < xs.Length; i++) Assert.True(xs[i - 1] < xs[i], "x stays in order");
        for (int i = 0; i < xs.Length; i++) Assert.Equal(y[(int)xs[i]], ys[i]); // real points, not averages

        var (sx, sy) = ReportRenderer.Downsample([1, 2, 3], [5, 4, 6], ReportRenderer.MaxPoints);
        Assert.Equal([1.0, 2, 3], sx);
        Assert.Equal([5.0, 4, 6], sy);
    }

    [Fact]
    public void Report_of_a_large_run_renders()
    {
        string run = Path.Combine(_dir, "large");
        Directory.CreateDirectory(run);
        using (var w = new StreamWriter(Path.Combine(run, "metrics.jsonl")))
            for (int s = 1; s <= 50_000; s++)
                w.Write(FormattableString.Invariant($"{{\"step\":{s},\"loss_d\":{(s == 31_337 ? 77.5 : 1 + Math.Sin(s / 100.0))},\"loss_g\":{2 + Math.Cos(s / 300.0)},\"time\":{1_800_000_000 + s * 0.01}}}\n"));
        var sw = Stopwatch.StartNew();
        var r = CliProcess.Run(_dir, "report", "--run", "large", "--out", "out/large.html");
        Assert.True(r.ExitCode == 0, r.ToString());
        string html = File.ReadAllText(Path.Combine(_dir, "out", "large.html"));
        Assert.Equal("50000", SummaryValue(html, "steps"));
        Assert.Equal(["losses"], ChartIds(html));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Report_of_a_missing_run_dir_exits_2()
    {
        var r = CliProcess.Run(_dir, "report", "--run", "nowhere");
        AssertBadInput(r, "report: RUN_DIR: expected a run directory (with metrics.jsonl), found 'nowhere' (no such folder)");
    }

    [Fact]
    public void Report_without_metrics_exits_2()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        var r = CliProcess.Run(_dir, "report", "--run", "empty");
        AssertBadInput(r, "report: RUN_DIR: expected a run directory with metrics.jsonl, found 'empty' (no metrics.jsonl)");
    }

    [Fact]
    public void Report_of_a_corrupt_metrics_line_names_the_line_and_exits_2()
    {
        string run = Path.Combine(_dir, "corrupt");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"step\":1,\"loss_d\":1}\n{\"step\":2,\"loss_d\":1}\n{\"step\":3,\"loss_d\":\n{\"step\":4}\n");
        var r = CliProcess.Run(_dir, "report", "--run", "corrupt");
        AssertBadInput(r, "report: metrics.jsonl:3: expected a JSON object, found '{\"step\":3,\"loss_d\":' (", prefix: true);
        Assert.False(File.Exists(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void Report_of_a_corrupt_event_line_or_a_row_without_step_exits_2()
    {
        string run = KnownRun(withCollapse: false);
        File.AppendAllText(Path.Combine(run, "events.jsonl"), "[1,2]\n");
        var r = CliProcess.Run(_dir, "report", "--run", run);
        AssertBadInput(r, "report: events.jsonl:13: expected a JSON object, found array '[1,2]'");

        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"step\":1}\n{\"loss_d\":1}\n");
        r = CliProcess.Run(_dir, "report", "--run", run);
        AssertBadInput(r, "report: metrics.jsonl:2: step: expected a number, found 'nothing'");
    }

    [Fact]
    public void Report_skips_a_torn_last_line_of_a_live_run()
    {
        string run = KnownRun(withCollapse: false);
        File.AppendAllText(Path.Combine(run, "metrics.jsonl"), "{\"step\":11,\"loss_d\":0.5"); // no newline: being written
        var history = RunHistory.Load(run);
        Assert.Equal(10, history.FinalStep);
        Assert.Contains(history.Notes, n => n.StartsWith("metrics.jsonl:11: incomplete last line skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Report_page_loads_in_headless_chromium_with_its_images()
    {
        string chromium = Chromium();
        string run = KnownRun(withCollapse: true);
        var r = CliProcess.Run(_dir, "report", "--run", run);
        Assert.True(r.ExitCode == 0, r.ToString());
        string profile = Directory.CreateTempSubdirectory("gancluster-chromium-").FullName;
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}", "--dump-dom", new Uri(Path.Combine(run, "report.html")).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium --dump-dom did not finish in 2 minutes");
        }
        string dom = await stdout;
        string errors = await stderr;
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        var body = Regex.Match(dom, "<body([^>]*)>");
        Assert.True(body.Success, "no <body> in the dumped DOM\n" + errors);
        // The page's own script stamps the body once loaded: every image decoded, no script errors.
        Assert.Contains("data-images-ok=\"true\"", body.Value);
        Assert.DoesNotContain("data-errors", body.Value);
        int images = int.Parse(Regex.Match(body.Value, "data-images=\"(\\d+)\"").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(9 + 2, images); // nine charts, the newest grid and one earlier grid
        Assert.Equal(9, Regex.Matches(dom, "<figure class=\"chart\"").Count);
    }

    // ---- helpers

    static void AssertBadInput(CliProcess.Result r, string line, bool prefix = false)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(r.Stderr.Trim().Split('\n'));
        if (prefix) Assert.StartsWith(line, r.Stderr.Trim());
        else Assert.Equal(line, r.Stderr.Trim());
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    static string? SummaryValue(string html, string id)
    {
        var m = Regex.Match(html, $"<tr id=\"summary-{id}\" data-value=\"([^\"]*)\"");
        return m.Success ? m.Groups[1].Value : null;
    }

    static string[] ChartIds(string html) =>
        Regex.Matches(html, "<figure class=\"chart\" id=\"chart-([a-z-]+)\"").Select(m => m.Groups[1].Value).ToArray();

    /// <summary>
    /// A 2-trainer run of 10 steps written by hand: a world of 2, a member lost (outside a step), worlds of 1 then 2,
    /// three recoveries (1.5 s, 4 s, 2.5 s), two checkpoints, an lr change, the collapse flag raised at 6 and cleared
    /// at 9 (evaluations at steps 2, 5 and 8 land on later rows), 3 non-finite steps skipped, two sample grids.
    /// </summary>
    string KnownRun(bool withCollapse)
    {
        string run = Path.Combine(_dir, "known-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(run, "samples"));
        var t0 = new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero);
        var rows = new List<string>();
        for (int s = 1; s <= 10; s++)
        {
            var row = new JsonObject
            {
                ["step"] = s,
                ["loss_d"] = s == 10 ? 0.6931 : 1.0 + s / 10.0,
                ["loss_g"] = s == 10 ? 1.25 : 2.0 - s / 10.0,
                ["d_real"] = s == 10 ? 0.55 : 0.5,
                ["d_fake"] = s == 10 ? 0.45 : 0.5,
                ["lr_g"] = s < 5 ? 2e-4 : 1e-4,
                ["lr_d"] = 2e-4,
                ["resolution"] = 16,
                ["phase"] = "stable",
                ["alpha"] = 1,
                ["images_per_s"] = 100 + s,
                ["skipped_nonfinite"] = s < 8 ? 0 : 3,
                ["world_size"] = s is >= 4 and < 7 ? 1 : 2,
                ["time"] = (t0 + TimeSpan.FromSeconds(s)).ToUnixTimeMilliseconds() / 1000.0,
            };
            if (withCollapse && s is 3 or 6 or 9)
            {
                row["collapse_step"] = s - 1;
                row["collapse_score"] = s switch { 3 => 0.1, 6 => 0.7, _ => 0.2 };
                row["diversity"] = s switch { 3 => 0.9, 6 => 0.3, _ => 0.8 };
                row["collapse_suspected"] = s == 6;
                row["fid"] = s switch { 3 => 40.5, 6 => 120.25, _ => 30.75 };
                row["precision"] = 0.8;
                row["recall"] = s switch { 3 => 0.6, 6 => 0.15, _ => 0.7 };
                row["features"] = "mnist";
            }
            rows.Add(row.ToJsonString());
        }
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), rows);

        var events = new List<string>();
        void Event(double at, long step, string kind, JsonObject details) => events.Add(new JsonObject
        {
            ["time"] = (t0 + TimeSpan.FromSeconds(at)).ToString("O"), ["step"] = step, ["kind"] = kind, ["details"] = details,
        }.ToJsonString());
        Event(0, 0, "run_started", new JsonObject { ["steps"] = 10, ["total_steps"] = 10, ["world_size"] = 2 });
        Event(0.5, 0, "world_formed", new JsonObject { ["epoch"] = 1, ["world_size"] = 2, ["start_step"] = 0 });
        Event(3.5, -1, "member_lost", new JsonObject { ["trainer"] = "t2", ["epoch"] = 1, ["reason"] = "heartbeat" });
        Event(3.8, 4, "world_formed", new JsonObject { ["epoch"] = 2, ["world_size"] = 1, ["start_step"] = 4 });
        Event(4.2, 4, "recovered", new JsonObject { ["epoch"] = 2, ["seconds"] = 1.5, ["world_size"] = 1 });
        Event(4.5, 5, "checkpoint_committed", new JsonObject { ["bytes"] = 1000, ["seconds"] = 0.1 });
        Event(4.6, 5, "lr_changed", new JsonObject { ["network"] = "g", ["old"] = 2e-4, ["new"] = 1e-4 });
        if (withCollapse)
        {
            Event(6.1, 6, "collapse_suspected", new JsonObject { ["collapse_score"] = 0.7 });
            Event(9.1, 9, "collapse_cleared", new JsonObject { ["collapse_score"] = 0.2 });
        }
        Event(7.2, 7, "world_formed", new JsonObject { ["epoch"] = 3, ["world_size"] = 2, ["start_step"] = 7 });
        Event(7.5, 7, "recovered", new JsonObject { ["epoch"] = 3, ["seconds"] = 4.0, ["world_size"] = 2 });
        Event(8.5, 8, "recovered", new JsonObject { ["epoch"] = 3, ["seconds"] = 2.5, ["world_size"] = 2 });
        Event(10.2, 10, "checkpoint_committed", new JsonObject { ["bytes"] = 1000, ["seconds"] = 0.1 });
        Event(18, 10, "run_finished", new JsonObject { ["skipped_nonfinite"] = 3 });
        File.WriteAllLines(Path.Combine(run, "events.jsonl"), events);

        File.WriteAllText(Path.Combine(run, "run.yaml"), "steps: 10\nbatch_size: 8\n");
        foreach (int step in new[] { 4, 10 })
        {
            using var bitmap = new SKBitmap(8, 8);
            bitmap.Erase(step == 10 ? SKColors.White : SKColors.Gray);
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(run, "samples", $"step-{step:D6}.png"), data.ToArray());
        }
        return run;
    }

    static string Chromium()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException("chromium is not installed: run `build/scripts/deps.sh chromium` (make test does)");
    }
}
