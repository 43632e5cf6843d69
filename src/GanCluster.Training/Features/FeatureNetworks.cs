using GanCluster.Core.Quality;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>Loads the feature network a setting names (<see cref="FeatureSetting"/>: auto, resnet18, mnist, inception:PATH, none).</summary>
public static class FeatureNetworks
{
    /// <summary>The network, or null for none; <paramref name="field"/> names the setting in error messages (exit 2).</summary>
    public static IFeatureNetwork? Create(string setting, bool embeddedMnist, string field, Device? device = null)
    {
        if (!FeatureSetting.IsValid(setting)) throw new SpecException(field, FeatureSetting.Expected, $"'{setting}'", "input");
        switch (FeatureSetting.Resolve(setting, embeddedMnist))
        {
            case null:
                return null;
            case FeatureSetting.Mnist:
                string weights = ClassifierFiles.Resolve(CollapseSpec.AutoClassifier, embeddedData: true, field)!;
                return new MnistFeatures(ClassifierFiles.Load(weights, field, device), weights);
            case FeatureSetting.ResNet18:
                return new ResNet18Features(device);
            default:
                string path = setting[FeatureSetting.InceptionPrefix.Length..];
                if (!File.Exists(path)) throw new SpecException(field, "inception:PATH with an existing weights file", $"'{path}' (no such file)", "input");
                return new InceptionFeatures(path, field, device);
        }
    }
}
