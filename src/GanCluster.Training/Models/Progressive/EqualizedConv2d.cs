using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Models.Progressive;

/// <summary>
/// A stride-1 "same" convolution with ProGAN's equalized learning rate: the weight is stored as N(0, 1) and
/// multiplied at run time by He's constant gain / sqrt(fan_in), so Adam's per-parameter step sizes act the
/// same on every layer. With equalization off it is an ordinary conv initialised N(0, gain / sqrt(fan_in)).
/// </summary>
public sealed class EqualizedConv2d : Module<Tensor, Tensor>, IEqualizedLayer
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly long _padding;

    public EqualizedConv2d(long inChannels, long outChannels, int kernel, double gain, bool equalized) : base(nameof(EqualizedConv2d))
    {
        weight = new Parameter(empty(outChannels, inChannels, kernel, kernel));
        bias = new Parameter(zeros(outChannels));
        _padding = kernel / 2;
        HeStd = gain / Math.Sqrt(inChannels * kernel * kernel);
        Equalized = equalized;
        RegisterComponents();
    }

    public double HeStd { get; }

    public bool Equalized { get; }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x) =>
        nn.functional.conv2d(x, Equalized ? weight.Times(HeStd) : weight, bias, padding: [_padding, _padding]);
}
