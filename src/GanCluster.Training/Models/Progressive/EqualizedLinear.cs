using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Models.Progressive;

/// <summary>A dense layer with the equalized learning rate (see <see cref="EqualizedConv2d"/>).</summary>
public sealed class EqualizedLinear : Module<Tensor, Tensor>, IEqualizedLayer
{
    readonly Parameter weight;
    readonly Parameter bias;

    public EqualizedLinear(long inFeatures, long outFeatures, double gain, bool equalized) : base(nameof(EqualizedLinear))
    {
        weight = new Parameter(empty(outFeatures, inFeatures));
        bias = new Parameter(zeros(outFeatures));
        HeStd = gain / Math.Sqrt(inFeatures);
        Equalized = equalized;
        RegisterComponents();
    }

    public double HeStd { get; }

    public bool Equalized { get; }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x) => nn.functional.linear(x, Equalized ? weight.Times(HeStd) : weight, bias);
}
