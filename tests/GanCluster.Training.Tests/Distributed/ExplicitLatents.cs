using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// Wraps a generator so that a step trains on latents chosen by the test instead of the ones <see cref="Steps.GanStep"/>
/// draws from hash(seed, step, rank): a 1-rank step on batch 2b and two 2-rank steps on batch b can then see exactly the
/// same latents (rank r gets rows [r*b, (r+1)*b) of the 1-rank batch). Its parameters are the wrapped generator's, in
/// the same order.
/// </summary>
public sealed class ExplicitLatents : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> inner;

    public ExplicitLatents(nn.Module<Tensor, Tensor> generator) : base(nameof(ExplicitLatents))
    {
        inner = generator;
        RegisterComponents();
    }

    /// <summary>The latents of the next forward pass (its batch must match the drawn latents' batch).</summary>
    public Tensor? Next { get; set; }

    public override Tensor forward(Tensor z)
    {
        var next = Next ?? throw new InvalidOperationException("set Next before the step");
        if (next.shape[0] != z.shape[0] || next.shape[1] != z.shape[1])
            throw new InvalidOperationException($"latents [{string.Join(',', next.shape)}] do not match the step's [{string.Join(',', z.shape)}]");
        return inner.forward(next.to(z.device));
    }
}
