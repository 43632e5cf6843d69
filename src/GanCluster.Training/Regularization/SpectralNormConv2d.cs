using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Regularization;

/// <summary>
/// A convolution whose weight is divided by its largest singular value (Miyato et al. 2018), estimated as in PyTorch's
/// torch.nn.utils.spectral_norm: one power iteration per training forward on the weight viewed as [out, in*k*k],
/// with the left vector u kept as a buffer (so it is in every checkpoint and resumes exactly). The inner Conv2d keeps
/// the unnormalised weight as its parameter, so DCGAN's initialisation and Adam see it as usual.
/// </summary>
public sealed class SpectralNormConv2d : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-12;
    readonly Conv2d conv;
    readonly Tensor u;
    readonly long _stride;
    readonly long _padding;

    public SpectralNormConv2d(long inChannels, long outChannels, long kernel, long stride, long padding) : base(nameof(SpectralNormConv2d))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride, padding, bias: false);
        (_stride, _padding) = (stride, padding);
        // A fixed start, the same on every replica (PyTorch draws it from the global RNG).
        using var g = new Generator((ulong)(outChannels * 1_000_003 + inChannels * kernel), CPU);
        u = nn.functional.normalize(randn([outChannels], generator: g), dim: 0, eps: Eps);
        RegisterComponents();
    }

    /// <summary>The unnormalised weight (the trained parameter).</summary>
    public Parameter Weight => conv.weight!;

    /// <summary>The current estimate of the left singular vector.</summary>
    public Tensor U => u;

    public override Tensor forward(Tensor input)
    {
        var sigma = Sigma(training);
        return nn.functional.conv2d(input, conv.weight! / sigma, strides: [_stride], padding: [_padding]);
    }

    /// <summary>
    /// sigma = u^T W v with the power iteration's vectors treated as constants (as PyTorch does): with
    /// <paramref name="iterate"/> (training) one iteration first updates u in place.
    /// </summary>
    public Tensor Sigma(bool iterate)
    {
        var w = conv.weight!.flatten(1);
        Tensor v;
        using (no_grad())
        {
            v = nn.functional.normalize(w.t().mv(u), dim: 0, eps: Eps);
            if (iterate)
            {
                using var next = nn.functional.normalize(w.mv(v), dim: 0, eps: Eps);
                u.copy_(next);
            }
        }
        // Clones, as PyTorch's: a later forward in the same step updates u in place, and this graph must not see it.
        using var fixedU = u.clone();
        return fixedU.dot(w.mv(v));
    }
}
