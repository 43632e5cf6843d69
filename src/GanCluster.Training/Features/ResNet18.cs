using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Features;

/// <summary>
/// ResNet18 (He et al. 2016) as torchvision builds it, without the classifier: a 7x7/2 conv stem + 3x3/2 max pool,
/// four stages of <see cref="ResNetBasicBlock"/>s (64, 128, 256, 512 channels; stages 2-4 halve the size), and a
/// global average pool: 512 features. Parameter names follow torchvision (conv1, bn1, layer1.0.conv1, ...).
/// torchvision's resnet18 has 2 blocks per stage; the ImageNet export Microsoft ships as "ResNet18" has 2, 2, 2, 3,
/// so the block counts are a parameter (<see cref="ResNet18Onnx"/> reads them from the graph).
/// Frozen (no parameter needs a gradient) but differentiable with respect to its input, so style transfer can
/// optimise an image through it. Weights: <see cref="ResNet18Onnx"/>.
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    public const int FeatureSize = 512;

    /// <summary>Names of the activations <see cref="Stages"/> returns, in order.</summary>
    public static readonly string[] StageNames = ["relu1", "layer1", "layer2", "layer3", "layer4"];

    readonly Conv2d _conv1;
    readonly BatchNorm2d _bn1;
    readonly Sequential[] _layers;

    /// <param name="blocks">Blocks per stage (torchvision's resnet18: 2, 2, 2, 2).</param>
    public ResNet18(int[]? blocks = null) : base(nameof(ResNet18))
    {
        blocks ??= [2, 2, 2, 2];
        if (blocks.Length != 4 || blocks.Any(b => b < 1)) throw new ArgumentException("four stages of at least one block each", nameof(blocks));
        Blocks = blocks;
        _conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        _bn1 = BatchNorm2d(64);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        long[] widths = [64, 128, 256, 512];
        _layers = new Sequential[widths.Length];
        long inChannels = 64;
        for (int i = 0; i < widths.Length; i++)
        {
            long stride = i == 0 ? 1 : 2;
            _layers[i] = Sequential(Enumerable.Range(0, blocks[i]).Select(b =>
                ($"{b}", (Module<Tensor, Tensor>)new ResNetBasicBlock(b == 0 ? inChannels : widths[i], widths[i], b == 0 ? stride : 1))));
            register_module($"layer{i + 1}", _layers[i]);
            inChannels = widths[i];
        }
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public IReadOnlyList<int> Blocks { get; }

    /// <summary>The pooled 512 features [N, 512] of a normalised input.</summary>
    public override Tensor forward(Tensor x) => functional.adaptive_avg_pool2d(Stages(x)[^1], 1).flatten(1);

    /// <summary>Activations after the stem's ReLU and after each of the four stages (<see cref="StageNames"/>).</summary>
    public IReadOnlyList<Tensor> Stages(Tensor x, int count = 5)
    {
        var outputs = new List<Tensor>(count);
        x = functional.relu(_bn1.forward(_conv1.forward(x)));
        outputs.Add(x);
        x = functional.max_pool2d(x, 3, 2, 1);
        for (int i = 0; i < _layers.Length && outputs.Count < count; i++)
        {
            x = _layers[i].forward(x);
            outputs.Add(x);
        }
        return outputs;
    }
}
