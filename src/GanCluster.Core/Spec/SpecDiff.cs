using System.Security.Cryptography;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Spec;

/// <summary>
/// Compares run specs field by field. "Training-defining" fields are all but those that only change how
/// long a run goes or what it writes (steps, logging, sampling, checkpoint cadence, the collapse monitor and
/// its response, whose every action is an event): a resume may change
/// those freely, and the spec hash ignores them.
/// </summary>
public static class SpecDiff
{
    // cluster.progress_every and hash_every only change reporting; cluster.workers does change training (the
    // global batch), but an elastic world may legitimately resume with another size, so it is reported, not refused.
    static readonly string[] NotTrainingDefining =
        ["steps", "sample_every", "log_every", "checkpoint.", "threads", "cluster.workers", "cluster.min_workers", "cluster.progress_every",
         "cluster.hash_every", "cluster.max_restarts", "cluster.recovery_window_seconds", "collapse.", "tensorboard",
         "data.workers", "data.prefetch", "data.cache_mib", "data.cache_dir"];

    public sealed record Difference(string Path, string Before, string After);

    public static IReadOnlyDictionary<string, string> Flatten(object spec)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(SpecEmitter.ToNode(spec), "", result);
        return result;
    }

    static void Flatten(YamlNode node, string path, IDictionary<string, string> into)
    {
        switch (node)
        {
            case YamlMappingNode map:
                if (map.Children.Count == 0) into[path] = "{}";
                foreach (var (k, v) in map.Children) Flatten(v, SpecBinder.Join(path, ((YamlScalarNode)k).Value ?? ""), into);
                break;
            case YamlSequenceNode seq:
                into[path + ".length"] = seq.Children.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                for (int i = 0; i < seq.Children.Count; i++) Flatten(seq.Children[i], $"{path}[{i}]", into);
                break;
            case YamlScalarNode s:
                into[path] = s.Value ?? "null";
                break;
        }
    }

    public static bool IsTrainingDefining(string path) =>
        !NotTrainingDefining.Any(p => p.EndsWith('.') ? path.StartsWith(p, StringComparison.Ordinal) : path == p);

    public static IReadOnlyList<Difference> TrainingDifferences(object before, object after)
    {
        var a = Flatten(before);
        var b = Flatten(after);
        return a.Keys.Union(b.Keys).Where(IsTrainingDefining).Order(StringComparer.Ordinal)
            .Select(k => new Difference(k, a.GetValueOrDefault(k, "(absent)"), b.GetValueOrDefault(k, "(absent)")))
            .Where(d => d.Before != d.After)
            .ToList();
    }

    /// <summary>SHA-256 of the training-defining fields: equal hashes mean the same training.</summary>
    public static string Hash(object spec)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in Flatten(spec).Where(kv => IsTrainingDefining(kv.Key))) sb.Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
