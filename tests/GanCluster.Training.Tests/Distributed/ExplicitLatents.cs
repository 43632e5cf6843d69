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

    Tensor? _next;
    long _cursor;

    /// <summary>
    /// The latents of the step: a forward pass takes the next rows of it, as many as the drawn latents have, wrapping
    /// around (a step that accumulates micro-batches generates each micro-batch's rows in turn, twice). Null: the latents
    /// the step drew.
    /// </summary>
    public Tensor? Next
    {
        get => _next;
        set { _next = value; _cursor = 0; }
    }

    public override Tensor forward(Tensor z)
    {
        if (Next is not { } next) return inner.forward(z); // none chosen: the step's own latents
        if (next.shape[0] % z.shape[0] != 0 || next.shape[1] != z.shape[1])
            throw new InvalidOperationException($"latents [{string.Join(',', next.shape)}] do not split into the step's [{string.Join(',', z.shape)}]");
        var rows = next.narrow(0, _cursor, z.shape[0]);
        _cursor = (_cursor + z.shape[0]) % next.shape[0];
        return inner.forward(rows.to(z.device));
    }
}
