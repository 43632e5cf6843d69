using System.Globalization;
using System.Text.RegularExpressions;

namespace GanCluster.Telemetry.Tests;

/// <summary>Reads the Prometheus text format into "name{labels sorted by name}" -> value.</summary>
public static partial class Exposition
{
    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)")]
    private static partial Regex Line();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();

    public static Dictionary<string, double> Parse(string text)
    {
        var result = new Dictionary<string, double>();
        foreach (var raw in text.Split('\n'))
        {
            if (raw.StartsWith('#') || raw.Length == 0) continue;
            var m = Line().Match(raw);
            if (!m.Success) continue;
            var labels = Label().Matches(m.Groups[3].Value).Select(l => (l.Groups[1].Value, l.Groups[2].Value))
                .OrderBy(l => l.Item1, StringComparer.Ordinal).Select(l => $"{l.Item1}=\"{l.Item2}\"");
            string key = $"{m.Groups[1].Value}{{{string.Join(',', labels)}}}";
            result[key] = double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
        }
        return result;
    }

    public static IEnumerable<string> LabelNames(string key) => Label().Matches(key).Select(m => m.Groups[1].Value);
}
