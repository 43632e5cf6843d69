using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using GanCluster.Training.Tensors;

namespace GanCluster.Training.Models;

/// <summary>
/// An exponential moving average of the generator's weights (ProGAN's Gs, Karras et al. 2018, 3.4 / appendix):
/// after each generator update, ema = beta * ema + (1 - beta) * g. Samples come from it. It holds its own copy
/// of the network, so it is checkpointed and hashed like the generator. Buffers (a DCGAN generator's BatchNorm
/// running statistics) are not averaged but copied from the generator at every update, as StyleGAN2-ADA does: they
/// are already averaged over steps and, after the step's buffer all-reduce, identical on every rank.
/// </summary>
public sealed class GeneratorEma : IDisposable
{
    readonly IReadOnlyList<Parameter> _source;
    readonly IReadOnlyList<Parameter> _target;
    readonly IReadOnlyList<Tensor> _sourceBuffers;
    readonly IReadOnlyList<Tensor> _targetBuffers;

    public GeneratorEma(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> copy, double beta)
    {
        Beta = beta;
        Model = copy;
        _source = generator.parameters().ToList();
        _target = copy.parameters().ToList();
        _sourceBuffers = generator.buffers().ToList();
        _targetBuffers = copy.buffers().ToList();
        if (_source.Count != _target.Count || _sourceBuffers.Count != _targetBuffers.Count)
            throw new ArgumentException("the EMA copy has another architecture than the generator");
        using var _ = no_grad();
        for (int i = 0; i < _source.Count; i++)
        {
            _target[i].requires_grad = false;
            _target[i].copy_(_source[i]);
        }
        CopyBuffers();
        copy.eval();
    }

    public double Beta { get; }

    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>Folds the generator's current weights into the average.</summary>
    public void Update()
    {
        using var _ = no_grad();
        for (int i = 0; i < _source.Count; i++) _target[i].TimesInPlace(Beta).AddScaledInPlace(_source[i], 1 - Beta);
        CopyBuffers();
    }

    void CopyBuffers()
    {
        for (int i = 0; i < _sourceBuffers.Count; i++) _targetBuffers[i].copy_(_sourceBuffers[i]);
    }

    public void Dispose() => Model.Dispose();
}
