namespace GanCluster.Core.Quality;

/// <summary>
/// The names a feature-network setting may take (run spec <c>collapse.features</c>, `evaluate --features`), checked
/// here without loading anything; GanCluster.Training's FeatureNetworks loads them.
/// <list type="bullet">
/// <item><c>auto</c>: <c>mnist</c> for the embedded MNIST, <c>resnet18</c> for any other data;</item>
/// <item><c>resnet18</c>: the shipped ImageNet ResNet18 (512-d);</item>
/// <item><c>mnist</c>: the shipped MNIST classifier's embedding (64-d);</item>
/// <item><c>inception:PATH</c>: Inception-v3 pool3 (2048-d) from a weights file;</item>
/// <item><c>none</c>: no network, no quality measures.</item>
/// </list>
/// </summary>
public static class FeatureSetting
{
    public const string Auto = "auto";
    public const string None = "none";
    public const string ResNet18 = "resnet18";
    public const string Mnist = "mnist";
    public const string Inception = "inception-v3";
    public const string InceptionPrefix = "inception:";

    public const string Expected = "auto, resnet18, mnist, inception:PATH (an Inception-v3 state_dict) or none";

    /// <summary>True for a setting of one of the forms above.</summary>
    public static bool IsValid(string? setting) =>
        setting is Auto or None or ResNet18 or Mnist ||
        (setting != null && setting.StartsWith(InceptionPrefix, StringComparison.Ordinal) && setting.Length > InceptionPrefix.Length);

    /// <summary>The network a valid setting resolves to for the data (null for none).</summary>
    public static string? Resolve(string setting, bool embeddedMnist) => setting switch
    {
        None => null,
        Auto => embeddedMnist ? Mnist : ResNet18,
        _ when setting.StartsWith(InceptionPrefix, StringComparison.Ordinal) => Inception,
        _ => setting,
    };
}
