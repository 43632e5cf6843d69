using GanCluster.Training.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// The default style-transfer network when no VGG19 weights are given: the shipped ImageNet-pretrained
/// <see cref="ResNet18"/> (the same network as the quality measures' default features). Layer choices, VGG19's
/// recipe mapped onto ResNet's stages (scales relative to the image):
/// <list type="bullet">
/// <item>style: the stem's ReLU (1/2, 64 ch), layer1 (1/4, 64), layer2 (1/8, 128), layer3 (1/16, 256) — texture from
/// fine to coarse, like VGG's relu1_1 … relu4_1; layer4 (1/32) is left out: at the sizes style transfer runs (128-512
/// px) it is 4-16 pixels wide, and its Gram matrix describes objects more than texture;</item>
/// <item>content: layer2 (1/8), where VGG's relu4_2 sits in scale: it keeps the layout and the strokes' shapes while
/// leaving the texture free.</item>
/// </list>
/// Input: RGB in [0, 1], normalised as the network was trained (0..255, BGR, minus the mean image).
/// </summary>
public sealed class ResNet18StyleFeatures : IStyleFeatureExtractor
{
    public static readonly string[] StyleLayerNames = ["relu1", "layer1", "layer2", "layer3"];
    public static readonly string[] ContentLayerNames = ["layer2"];

    readonly ResNet18Features _network;

    public ResNet18StyleFeatures(Device? device = null)
    {
        _network = new ResNet18Features(device);
        Description = $"ResNet18, ImageNet-pretrained (shipped; style {string.Join(", ", StyleLayerNames)}, content {ContentLayerNames[0]})";
    }

    public string Description { get; }

    /// <summary>Chosen on the docs example (docs/style-transfer.md): the texture shows while the digit stays legible.</summary>
    public StyleWeights DefaultWeights { get; } = new(1, 1e3, 1e-3);

    public StyleFeatures Extract(Tensor image)
    {
        var stages = _network.Model.Stages(_network.Normalise(image, fromUnitRange: true), count: 4);
        return new StyleFeatures([stages[2]], stages);
    }

    public void Dispose() => _network.Dispose();
}
