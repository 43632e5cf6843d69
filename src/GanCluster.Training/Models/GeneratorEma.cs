using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Models;

/// <summary>
/// An exponential moving average of the generator's weights (ProGAN's Gs, Karras et al. 2018, 3.4 / appendix):
/// after each generator update, ema = beta * ema + (1 - beta) * g. Samples come from it. It holds its own copy
/// of the network, so it is checkpointed and hashed like the generator.
/// </summary>
public sealed class GeneratorEma : IDisposable
{
    readonly IReadOnlyList<Parameter> _source;
    readonly IReadOnlyList<Parameter> _target;

    public GeneratorEma(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> copy, double beta)
    {
        Beta = beta;
        Model = copy;
        _source = generator.parameters().ToList();
        _target = copy.parameters().ToList();
        if (_source.Count != _target.Count) throw new ArgumentException("the EMA copy has another architecture than the generator");
        using var _ = no_grad();
        for (int i = 0; i < _source.Count; i++)
        {
            _target[i].requires_grad = false;
            _target[i].copy_(_source[i]);
        }
        copy.eval();
    }

    public double Beta { get; }

    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>Folds the generator's current weights into the average.</summary>
    public void Update()
    {
        using var _ = no_grad();
        for (int i = 0; i < _source.Count; i++) _target[i].TimesInPlace(Beta).AddScaledInPlace(_source[i], 1 - Beta);
    }

    public void Dispose() => Model.Dispose();
}
