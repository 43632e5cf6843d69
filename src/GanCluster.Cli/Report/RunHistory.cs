using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;

namespace GanCluster.Cli.Report;

/// <summary>One numeric column of metrics.jsonl over steps (rows without a finite value are left out).</summary>
public sealed class MetricSeries(string name)
{
    public string Name { get; } = name;

    public List<double> Steps { get; } = [];

    public List<double> Values { get; } = [];

    public int Count => Steps.Count;

    public double LastValue => Values[^1];

    internal void Add(double step, double value)
    {
        Steps.Add(step);
        Values.Add(value);
    }
}

/// <summary>One line of events.jsonl. <see cref="Step"/> is -1 for events written outside a step (a member lost).</summary>
public sealed record RunEvent(int Line, DateTimeOffset? Time, long Step, string Kind, JsonObject Details)
{
    public double? Number(string key) =>
        Details[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}

/// <summary>
/// A run directory read back for the report: the numeric series of metrics.jsonl, the events of events.jsonl,
/// run.yaml's text and the sample grids under samples/. Bad input is a <see cref="SpecException"/> (source
/// "report") naming the file and line: exit code 2 with one line.
/// </summary>
public sealed class RunHistory
{
    public const string Source = "report";

    /// <summary>Columns measured by the collapse monitor: their x is the row's collapse_step (the evaluated step).</summary>
    static readonly HashSet<string> CollapseColumns = ["diversity", "duplicate_rate", "classes_covered", "kl_uniform", "collapse_score", "collapse_n", "collapse_eval_s", "collapse_reference_s",
        "fid", "kid", "kid_std", "precision", "recall", "density", "coverage"];

    RunHistory(string root) => Root = root;

    /// <summary>The run directory's full path, or the s3:// prefix it was read from.</summary>
    public string Root { get; }

    /// <summary>Numeric metrics columns by name (step, epoch, losses, lr, time...).</summary>
    public Dictionary<string, MetricSeries> Series { get; } = new(StringComparer.Ordinal);

    public List<RunEvent> Events { get; } = [];

    public int MetricRows { get; private set; }

    /// <summary>The last metrics row (text fields such as phase included).</summary>
    public JsonObject? LastRow { get; private set; }

    public string? SpecYaml { get; private set; }

    /// <summary>The run spec parsed from run.yaml; null when absent or unreadable (see <see cref="Notes"/>).</summary>
    public RunSpec? Spec { get; private set; }

    /// <summary>Sample grids (samples/step-NNNNNN.png) in step order.</summary>
    public List<(long Step, string Path)> Samples { get; } = [];

    /// <summary>Things the reader tolerated and the report should mention (a torn last line of a live run).</summary>
    public List<string> Notes { get; } = [];

    public MetricSeries? this[string name] => Series.GetValueOrDefault(name);

    public long? FinalStep => this["step"] is { Count: > 0 } s ? (long)s.LastValue : null;

    /// <param name="shownAs">what the report calls the run (an s3:// prefix read into <paramref name="runDir"/>); default: the folder</param>
    public static RunHistory Load(string runDir, string? shownAs = null)
    {
        if (!Directory.Exists(runDir))
            throw new SpecException("RUN_DIR", "a run directory (with metrics.jsonl)", $"'{runDir}' (no such folder)", Source);
        var layout = new RunLayout(runDir);
        if (!File.Exists(layout.MetricsFile))
            throw new SpecException("RUN_DIR", "a run directory with metrics.jsonl", $"'{runDir}' (no metrics.jsonl)", Source);
        var history = new RunHistory(shownAs ?? layout.Root);
        history.ReadMetrics(layout.MetricsFile);
        if (File.Exists(layout.EventsFile)) history.ReadEvents(layout.EventsFile);
        history.ReadSpec(layout.SpecFile);
        history.ReadSamples(layout.SamplesDir);
        return history;
    }

    void ReadMetrics(string path)
    {
        foreach (var (line, number) in Lines(path, "metrics.jsonl"))
        {
            using var doc = Parse(line, number, "metrics.jsonl");
            var root = doc.RootElement;
            if (!root.TryGetProperty("step", out var stepElement) || stepElement.ValueKind != JsonValueKind.Number)
                throw new SpecException($"metrics.jsonl:{number}: step", "a number", Shorten(stepElement.ValueKind == JsonValueKind.Undefined ? "nothing" : stepElement.GetRawText()), Source);
            double step = stepElement.GetDouble();
            double collapseStep = root.TryGetProperty("collapse_step", out var cs) && cs.ValueKind == JsonValueKind.Number ? cs.GetDouble() : step;
            foreach (var p in root.EnumerateObject())
            {
                double value;
                if (p.Value.ValueKind == JsonValueKind.Number) value = p.Value.GetDouble();
                else if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) value = p.Value.GetBoolean() ? 1 : 0;
                else continue;
                if (!double.IsFinite(value) || p.Name == "collapse_step") continue;
                if (!Series.TryGetValue(p.Name, out var series)) Series[p.Name] = series = new MetricSeries(p.Name);
                series.Add(CollapseColumns.Contains(p.Name) || p.Name == "collapse_suspected" ? collapseStep : step, value);
            }
            MetricRows++;
            LastRow = JsonNode.Parse(root.GetRawText()) as JsonObject;
        }
        if (MetricRows == 0)
            throw new SpecException("metrics.jsonl", "at least one metrics row", "an empty file", Source);
    }

    void ReadEvents(string path)
    {
        foreach (var (line, number) in Lines(path, "events.jsonl"))
        {
            using var doc = Parse(line, number, "events.jsonl");
            var root = doc.RootElement;
            if (!root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
                throw new SpecException($"events.jsonl:{number}: kind", "an event name", Shorten(kind.ValueKind == JsonValueKind.Undefined ? "nothing" : kind.GetRawText()), Source);
            long step = root.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.Number ? (long)s.GetDouble() : -1;
            DateTimeOffset? time = root.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : null;
            var details = root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object
                ? (JsonObject)JsonNode.Parse(d.GetRawText())! : [];
            Events.Add(new RunEvent(number, time, step, kind.GetString()!, details));
        }
    }

    void ReadSpec(string path)
    {
        if (!File.Exists(path))
        {
            Notes.Add("run.yaml: not found");
            return;
        }
        SpecYaml = File.ReadAllText(path);
        try
        {
            Spec = RunSpecLoader.Parse(SpecYaml);
        }
        catch (SpecException e)
        {
            Notes.Add($"run.yaml: not a valid run spec ({e.Problems[0]}); shown as written");
        }
    }

    void ReadSamples(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir, "*.png"))
            if (RunLayout.TryParseStepName(Path.GetFileNameWithoutExtension(file), out long step)) Samples.Add((step, file));
        Samples.Sort((a, b) => a.Step.CompareTo(b.Step));
    }

    /// <summary>
    /// The non-empty lines with their 1-based numbers. A last line without its newline that does not parse is a
    /// write in progress (a live run): it is skipped with a note rather than refused.
    /// </summary>
    IEnumerable<(string Line, int Number)> Lines(string path, string name)
    {
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        var lines = text.Split('\n');
        bool torn = lines.Length > 0 && lines[^1].Length > 0; // the text does not end with a newline
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (torn && i == lines.Length - 1 && !IsJsonObject(line))
            {
                Notes.Add($"{name}:{i + 1}: incomplete last line skipped (the run was writing it)");
                yield break;
            }
            yield return (line, i + 1);
        }
    }

    static bool IsJsonObject(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static JsonDocument Parse(string line, int number, string name)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new SpecException($"{name}:{number}", "a JSON object", $"{Shorten(line)} ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ')})", Source);
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            string kind = doc.RootElement.ValueKind.ToString().ToLowerInvariant();
            doc.Dispose();
            throw new SpecException($"{name}:{number}", "a JSON object", $"{kind} {Shorten(line)}", Source);
        }
        return doc;
    }

    static string Shorten(string text) => "'" + (text.Length <= 60 ? text : text[..57] + "...") + "'";
}
