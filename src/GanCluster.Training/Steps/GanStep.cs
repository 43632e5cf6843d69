using GanCluster.Core.Parallel;
using GanCluster.Training.Distributed;
using GanCluster.Training.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Steps;

/// <summary>
/// One GAN training step, data-parallel over an <see cref="ICollective"/> (as in pytorch/examples dcgan):
/// update D on a real batch and a detached fake batch, then update G through D's judgement of the same
/// fakes. Gradients and statistics are averaged across ranks before either update; an update whose
/// averaged loss or gradient is NaN/Inf is skipped (the same decision on every rank). A progressive network's
/// stage (resolution, alpha) is set on the modules before the step; <see cref="UseParameters"/> follows growth.
/// </summary>
public sealed class GanStep : IDisposable
{
    const int DStatSlots = 4; // loss_d, d_real, d_fake, sign(D(real))
    const int GStatSlots = 2; // loss_g, stop votes (how many ranks want to stop after this step)

    readonly nn.Module<Tensor, Tensor> _g;
    readonly nn.Module<Tensor, Tensor> _d;
    readonly IGanLoss _loss;
    readonly OptimizerHelper _optG;
    readonly OptimizerHelper _optD;
    readonly Device _device;
    readonly int _nz;
    readonly FlatGradients _statsOnlyD; // D's statistics on a step whose D update a policy skips
    FlatGradients _gradsG;
    FlatGradients _gradsD;
    IReadOnlyList<Parameter> _paramsD;
    readonly BufferAverager _buffers;
    readonly StepUndo _undo;

    public GanStep(nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, int nz, IGanLoss loss,
        OptimizerHelper optG, OptimizerHelper optD, Device device)
    {
        (_g, _d, _nz, _loss, _optG, _optD, _device) = (g, d, nz, loss, optG, optD, device);
        _paramsD = d.parameters().ToList();
        _gradsG = new FlatGradients(g.parameters().ToList(), GStatSlots, device);
        _gradsD = new FlatGradients(_paramsD, DStatSlots, device);
        _statsOnlyD = new FlatGradients([], DStatSlots, device);
        _buffers = new BufferAverager([g, d]);
        _undo = new StepUndo(g, d, optD);
    }

    /// <summary>Bytes all-reduced per step and rank.</summary>
    public long BytesPerStep => _gradsG.Bytes + _gradsD.Bytes;

    /// <summary>
    /// Trains only these parameters from now on (a progressive network's active blocks): the gradient buckets
    /// are rebuilt over them, in the given order, and every other parameter's gradient is dropped so the
    /// optimizer leaves it (and its Adam state) alone. Every rank must call this at the same step with
    /// parameters in the same order, so the all-reduce buffers keep the same layout across the world.
    /// </summary>
    public void UseParameters(IReadOnlyList<Parameter> generator, IReadOnlyList<Parameter> discriminator)
    {
        _gradsG.Dispose();
        _gradsD.Dispose();
        foreach (var p in _g.parameters().Concat(_d.parameters())) p.grad = null;
        _paramsD = discriminator;
        _gradsG = new FlatGradients(generator, GStatSlots, _device);
        _gradsD = new FlatGradients(discriminator, DStatSlots, _device);
    }

    /// <summary>Runs step <paramref name="step"/> on this rank's <paramref name="real"/> batch, averaging over <paramref name="collective"/>.</summary>
    /// <remarks>
    /// All-or-nothing in a world of several ranks: if a collective fails, D and the BatchNorm buffers are put back
    /// (<see cref="StepUndo"/>) and the exception propagates with the replica exactly at step - 1.
    /// </remarks>
    /// <param name="voteStop">this rank asks to stop after this step; every rank learns the sum of votes
    /// (<see cref="StepStats.StopVotes"/>), so all stop after the same step.</param>
    public StepStats Run(Tensor real, long step, long seed, ICollective collective, bool updateD = true, bool voteStop = false,
        CancellationToken cancel = default)
    {
        if (collective.WorldSize == 1) return RunStep(real, step, seed, collective, updateD, voteStop, cancel);
        _undo.Save();
        try
        {
            return RunStep(real, step, seed, collective, updateD, voteStop, cancel);
        }
        catch
        {
            _undo.Restore();
            throw;
        }
    }

    StepStats RunStep(Tensor real, long step, long seed, ICollective collective, bool updateD, bool voteStop, CancellationToken cancel)
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        long batch = real.shape[0];
        using var rng = StepRandom.For(seed, step, collective.Rank);
        var z = randn(new long[] { batch, _nz }, generator: rng).to(_device);
        real = real.to(_device);
        var fake = _g.forward(z);

        // D: maximise log D(x) + log(1 - D(G(z))) (or the hinge / Wasserstein equivalent).
        double lossD = double.NaN, dReal = double.NaN, dFake = double.NaN, realSign = double.NaN, normD = 0;
        bool dUpdated = false;
        {
            // A step whose D update a policy skips still measures D (forward only), so the policy sees fresh numbers.
            var buffer = updateD ? _gradsD : _statsOnlyD;
            buffer.Zero();
            var realLogits = _d.forward(real);
            var fakeLogits = _d.forward(fake.detach());
            var errD = _loss.Discriminator(_d, real, fake.detach(), realLogits, fakeLogits, rng);
            if (updateD) errD.backward();
            buffer.SetStats(stack([errD.detach(), _loss.Report(realLogits).mean().detach(), _loss.Report(fakeLogits).mean().detach(),
                realLogits.detach().sign().mean()]));
            buffer.AllReduceMean(collective, cancel);
            (var statsD, double norm) = buffer.Read();
            (lossD, dReal, dFake, realSign) = (statsD[0], statsD[1], statsD[2], statsD[3]);
            if (updateD)
            {
                normD = norm;
                dUpdated = double.IsFinite(normD) && statsD.All(float.IsFinite);
                if (dUpdated) _optD.step();
            }
        }

        // G: maximise log D(G(z)) (non-saturating). D's weights are frozen so backward skips their gradients.
        _gradsG.Zero();
        SetRequiresGrad(_paramsD, false);
        var errG = _loss.Generator(_d.forward(fake));
        errG.backward();
        SetRequiresGrad(_paramsD, true);
        // Stop votes are summed, not averaged: multiply back by the world size after the mean.
        _gradsG.SetStats(stack([errG.detach(), tensor(voteStop ? 1f : 0f, device: _device)]));
        _gradsG.AllReduceMean(collective, cancel);
        var (statsG, normG) = _gradsG.Read();
        bool gUpdated = double.IsFinite(normG) && float.IsFinite(statsG[0]);
        _buffers.AllReduceMean(collective, cancel); // the last collective of the step: what follows is local
        if (gUpdated) _optG.step();

        int stopVotes = (int)Math.Round(statsG[1] * collective.WorldSize);
        return new StepStats(step, lossD, statsG[0], dReal, dFake, realSign, normD, normG, dUpdated, gUpdated, !updateD) { StopVotes = stopVotes };
    }

    static void SetRequiresGrad(IReadOnlyList<Parameter> parameters, bool value)
    {
        foreach (var p in parameters) p.requires_grad = value;
    }

    public void Dispose()
    {
        _gradsG.Dispose();
        _gradsD.Dispose();
        _statsOnlyD.Dispose();
        _buffers.Dispose();
        _undo.Dispose();
    }
}
