using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Features;

/// <summary>
/// torchvision's ResNet BasicBlock: two 3x3 conv + BatchNorm, a 1x1 conv + BatchNorm shortcut when the block changes
/// the stride or width, ReLU after the sum. Module names follow torchvision (conv1, bn1, conv2, bn2, downsample.0/1).
/// </summary>
public sealed class ResNetBasicBlock : Module<Tensor, Tensor>
{
    readonly Conv2d _conv1, _conv2;
    readonly BatchNorm2d _bn1, _bn2;
    readonly Sequential? _downsample;

    public ResNetBasicBlock(long inChannels, long outChannels, long stride) : base(nameof(ResNetBasicBlock))
    {
        _conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        _bn1 = BatchNorm2d(outChannels);
        _conv2 = Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        _bn2 = BatchNorm2d(outChannels);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        if (stride != 1 || inChannels != outChannels)
        {
            _downsample = Sequential(Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), BatchNorm2d(outChannels));
            register_module("downsample", _downsample);
        }
    }

    public override Tensor forward(Tensor x)
    {
        var y = functional.relu(_bn1.forward(_conv1.forward(x)));
        y = _bn2.forward(_conv2.forward(y));
        return functional.relu(y + (_downsample?.forward(x) ?? x));
    }
}
