using GanCluster.Core.Spec;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// Loads pretrained weights into <see cref="Vgg19Features"/>. Key mapping: the file's
/// <c>features.N.weight</c> / <c>features.N.bias</c> go to the conv at torchvision index N (N = 0, 2, 5, 7,
/// 10, 12, 14, 16, 19, 21, 23, 25, 28); a state_dict of <c>vgg19().features</c> alone (keys <c>N.weight</c>)
/// works too. Other keys (deeper layers, <c>classifier.*</c>) are ignored. Every key the model needs must be
/// present with the right shape: otherwise one line names the key, the shape expected and what was found.
/// </summary>
public static class Vgg19Weights
{
    public static void Load(Vgg19Features model, string path)
    {
        var file = StateDictFile.Read(path);
        try
        {
            // A state_dict of vgg19().features alone has no "features." in its keys.
            bool featuresOnly = !file.ContainsKey("features.0.weight") && file.ContainsKey("0.weight");
            var problems = new List<SpecProblem>();
            var matched = new List<(Tensor Target, Tensor Source)>();
            foreach (var (name, parameter) in model.named_parameters())
            {
                string key = featuresOnly ? name["features.".Length..] : name;
                string expected = $"a float tensor of shape {Shape(parameter.shape)}";
                if (!file.TryGetValue(key, out var found))
                    problems.Add(new SpecProblem(key, expected, $"no such key ({Sample(file.Keys)})"));
                else if (!found.shape.SequenceEqual(parameter.shape))
                    problems.Add(new SpecProblem(key, expected, Shape(found.shape)));
                else if (!found.is_floating_point())
                    problems.Add(new SpecProblem(key, expected, $"a {found.dtype} tensor"));
                else matched.Add((parameter, found));
            }
            if (problems.Count > 0)
            {
                var first = problems[0];
                string more = problems.Count > 1 ? $" ({problems.Count - 1} more keys do not match; is this torchvision's vgg19?)" : "";
                throw new SpecException(first.Path, first.Expected, first.Found + more, path);
            }
            using (no_grad())
                foreach (var (target, source) in matched) target.copy_(source.to(target.dtype));
            model.Description = model.WidthDivisor == 1 ? $"VGG19 from {path}" : $"VGG19 (widths / {model.WidthDivisor}) from {path}";
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    static string Sample(IEnumerable<string> keys)
    {
        var all = keys.Order(StringComparer.Ordinal).ToList();
        if (all.Count == 0) return "the file holds no tensors";
        return $"the file's {all.Count} keys include " + string.Join(", ", all.Take(3).Select(k => $"'{k}'"));
    }
}
