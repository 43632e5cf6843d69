using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// Picks the feature network a setting names (run spec <c>collapse.features</c>, `evaluate --features`):
/// <list type="bullet">
/// <item><c>auto</c>: <c>mnist</c> for the embedded MNIST, <c>resnet18</c> for any other data;</item>
/// <item><c>resnet18</c>: the shipped ImageNet ResNet18 (512-d);</item>
/// <item><c>mnist</c>: the shipped MNIST classifier's embedding (64-d);</item>
/// <item><c>inception:PATH</c>: Inception-v3 pool3 (2048-d) from a weights file;</item>
/// <item><c>none</c>: no network (no quality measures).</item>
/// </list>
/// </summary>
public static class FeatureNetworks
{
    public const string Auto = "auto";
    public const string None = "none";
    public const string InceptionPrefix = "inception:";

    public const string Expected = "auto, resnet18, mnist, inception:PATH (an Inception-v3 state_dict) or none";

    /// <summary>Checks a setting without loading anything (spec validation); null when it is valid.</summary>
    public static string? Problem(string? setting)
    {
        if (setting is Auto or None or ResNet18Features.NetworkName or MnistFeatures.NetworkName) return null;
        if (setting != null && setting.StartsWith(InceptionPrefix, StringComparison.Ordinal) && setting.Length > InceptionPrefix.Length) return null;
        return Expected;
    }

    /// <summary>The network name a setting resolves to for the data (null for none), without loading it.</summary>
    public static string? Resolve(string setting, bool embeddedMnist) => setting switch
    {
        None => null,
        Auto => embeddedMnist ? MnistFeatures.NetworkName : ResNet18Features.NetworkName,
        _ when setting.StartsWith(InceptionPrefix, StringComparison.Ordinal) => InceptionFeatures.NetworkName,
        _ => setting,
    };

    /// <summary>Loads the network a setting names; <paramref name="field"/> names the setting in error messages (exit 2).</summary>
    public static IFeatureNetwork? Create(string setting, bool embeddedMnist, string field, Device? device = null)
    {
        if (Problem(setting) is { } expected) throw new SpecException(field, expected, $"'{setting}'", "input");
        switch (Resolve(setting, embeddedMnist))
        {
            case null:
                return null;
            case MnistFeatures.NetworkName:
                string weights = ClassifierFiles.Resolve(CollapseSpec.AutoClassifier, embeddedData: true, field)!;
                return new MnistFeatures(ClassifierFiles.Load(weights, field, device), weights);
            case ResNet18Features.NetworkName:
                return new ResNet18Features(device);
            default:
                string path = setting[InceptionPrefix.Length..];
                if (!File.Exists(path)) throw new SpecException(field, "inception:PATH with an existing weights file", $"'{path}' (no such file)", "input");
                return new InceptionFeatures(path, field, device);
        }
    }
}
