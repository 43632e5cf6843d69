using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Features;

/// <summary>torchvision's Inception BasicConv2d: conv (no bias) + BatchNorm (eps 0.001) + ReLU; names conv, bn.</summary>
public sealed class InceptionConv : Module<Tensor, Tensor>
{
    readonly Conv2d _conv;
    readonly BatchNorm2d _bn;

    public InceptionConv(long inChannels, long outChannels, (long, long) kernel, (long, long)? stride = null, (long, long)? padding = null)
        : base(nameof(InceptionConv))
    {
        _conv = Conv2d(inChannels, outChannels, kernel, stride: stride ?? (1, 1), padding: padding ?? (0, 0), bias: false);
        _bn = BatchNorm2d(outChannels, eps: 0.001);
        register_module("conv", _conv);
        register_module("bn", _bn);
    }

    public InceptionConv(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding))
    {
    }

    public override Tensor forward(Tensor x) => functional.relu(_bn.forward(_conv.forward(x)));
}
