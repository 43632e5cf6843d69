using GanCluster.Core.Spec;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// Copies tensors of a state_dict file into a model's tensors, all or nothing: every key the model needs must be present,
/// floating point and of the right shape, else one line names the first key that is not (and how many more are not).
/// </summary>
public static class StateDictMatcher
{
    /// <param name="targets">The model's tensors and the file key each one is read from.</param>
    /// <param name="hint">Appended when several keys fail, e.g. "is this torchvision's vgg19?".</param>
    public static void Copy(IEnumerable<(string Key, Tensor Target)> targets, IReadOnlyDictionary<string, Tensor> file, string path, string hint)
    {
        var problems = new List<SpecProblem>();
        var matched = new List<(Tensor Target, Tensor Source)>();
        foreach (var (key, target) in targets)
        {
            string expected = $"a float tensor of shape {Shape(target.shape)}";
            if (!file.TryGetValue(key, out var found))
                problems.Add(new SpecProblem(key, expected, $"no such key ({Sample(file.Keys)})"));
            else if (!found.shape.SequenceEqual(target.shape))
                problems.Add(new SpecProblem(key, expected, Shape(found.shape)));
            else if (!found.is_floating_point())
                problems.Add(new SpecProblem(key, expected, $"a {found.dtype} tensor"));
            else matched.Add((target, found));
        }
        if (problems.Count > 0)
        {
            var first = problems[0];
            string more = problems.Count > 1 ? $" ({problems.Count - 1} more keys do not match; {hint})" : "";
            throw new SpecException(first.Path, first.Expected, first.Found + more, path);
        }
        using (no_grad())
            foreach (var (target, source) in matched) target.copy_(source.to(target.dtype));
    }

    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    static string Sample(IEnumerable<string> keys)
    {
        var all = keys.Order(StringComparer.Ordinal).ToList();
        if (all.Count == 0) return "the file holds no tensors";
        return $"the file's {all.Count} keys include " + string.Join(", ", all.Take(3).Select(k => $"'{k}'"));
    }
}
