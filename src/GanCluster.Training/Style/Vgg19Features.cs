using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Style;

/// <summary>
/// torchvision's <c>vgg19().features</c>, cut after relu5_1 (the deepest layer style transfer reads).
/// Module names follow torchvision's indices, so a vgg19 state_dict's <c>features.N.weight</c> /
/// <c>features.N.bias</c> keys load one to one (see <see cref="Vgg19Weights"/>):
/// <code>
///  index  0 conv1_1  1 relu1_1  2 conv1_2  3 relu  4 pool
///         5 conv2_1  6 relu2_1  7 conv2_2  8 relu  9 pool
///        10 conv3_1 11 relu3_1 12 conv3_2 14 conv3_3 16 conv3_4 (ReLU after each) 18 pool
///        19 conv4_1 20 relu4_1 21 conv4_2 22 relu4_2 23 conv4_3 25 conv4_4 27 pool
///        28 conv5_1 29 relu5_1   (30..36 and classifier.* in a full state_dict are not used)
/// </code>
/// Content layer relu4_2; style layers relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 (Gatys et al.).
/// Inputs are normalised with ImageNet's mean and standard deviation, as the weights were trained.
/// </summary>
public sealed class Vgg19Features : Module, IStyleFeatureExtractor
{
    /// <summary>torchvision's configuration "E" (VGG19): conv widths, 0 = 2x2 max pool.</summary>
    static readonly int[] Layout = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512];

    /// <summary>Indices of the ReLUs whose outputs are read.</summary>
    public static readonly int[] StyleLayerIndices = [1, 6, 11, 20, 29];
    public static readonly int[] ContentLayerIndices = [22];
    public static readonly string[] StyleLayerNames = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"];
    public static readonly string[] ContentLayerNames = ["relu4_2"];

    static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    [ComponentName(Name = "features")]
    readonly Sequential _features;

    /// <param name="widthDivisor">
    /// 1 for the real network. Larger values divide every conv width (for tests and tiny experiments: the
    /// layer structure and key names stay torchvision's, only the shapes shrink).
    /// </param>
    public Vgg19Features(int widthDivisor = 1) : base(nameof(Vgg19Features))
    {
        if (widthDivisor < 1 || 64 % widthDivisor != 0) throw new ArgumentOutOfRangeException(nameof(widthDivisor), "must divide 64");
        WidthDivisor = widthDivisor;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long inChannels = 3;
        foreach (int width in Layout)
        {
            if (width == 0)
            {
                layers.Add(($"{layers.Count}", MaxPool2d(2, 2)));
                continue;
            }
            long outChannels = width / widthDivisor;
            layers.Add(($"{layers.Count}", Conv2d(inChannels, outChannels, 3, padding: 1)));
            layers.Add(($"{layers.Count}", ReLU()));
            inChannels = outChannels;
        }
        _features = Sequential(layers);
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
        Description = widthDivisor == 1
            ? "VGG19 (untrained weights)"
            : $"VGG19 with widths / {widthDivisor} (untrained weights)";
    }

    public int WidthDivisor { get; }

    public string Description { get; internal set; }

    /// <summary>The PyTorch tutorial's weights for these layers and normalisation; TV was not tuned on real weights here.</summary>
    public StyleWeights DefaultWeights { get; } = new(1, 1e6, 10);

    public StyleFeatures Extract(Tensor image)
    {
        var mean = tensor(ImageNetMean, dtype: image.dtype, device: image.device).view(1, 3, 1, 1);
        var std = tensor(ImageNetStd, dtype: image.dtype, device: image.device).view(1, 3, 1, 1);
        var x = (image - mean) / std;
        var content = new List<Tensor>();
        var style = new List<Tensor>();
        int index = 0;
        foreach (var layer in _features.children())
        {
            x = ((Module<Tensor, Tensor>)layer).forward(x);
            if (Array.IndexOf(StyleLayerIndices, index) >= 0) style.Add(x);
            if (Array.IndexOf(ContentLayerIndices, index) >= 0) content.Add(x);
            index++;
        }
        return new StyleFeatures(content, style);
    }
}
