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
            var targets = model.named_parameters().Select(p => (featuresOnly ? p.name["features.".Length..] : p.name, (TorchSharp.torch.Tensor)p.parameter));
            StateDictMatcher.Copy(targets, file, path, "is this torchvision's vgg19?");
            model.Description = model.WidthDivisor == 1 ? $"VGG19 from {path}" : $"VGG19 (widths / {model.WidthDivisor}) from {path}";
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }
}
