using GanCluster.Core.Parallel;
using GanCluster.Training.Distributed;
using GanCluster.Training.Augment;
using GanCluster.Training.Losses;
using GanCluster.Training.Models.Msg;
using GanCluster.Training.Regularization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Steps;

/// <summary>
/// One GAN training step, data-parallel over an <see cref="ICollective"/> (as in pytorch/examples dcgan):
/// update D on a real batch and a detached fake batch, then update G through D's judgement of the same
/// fakes. Gradients and statistics are averaged across ranks before either update; an update whose
/// averaged loss or gradient is NaN/Inf is skipped (the same decision on every rank). A progressive network's
/// stage (resolution, alpha) is set on the modules before the step; <see cref="UseParameters"/> follows growth.
/// With gradient accumulation (<c>accumulate: N</c>) the rank's batch is N micro-batches: micro-batch m trains as
/// rank r x N + m of a world N times larger would (its latents, its share of the loss, its own BatchNorm statistics),
/// and the gradients summed over micro-batches are what that world's all-reduce would average; G's fakes are
/// generated again for the G phase, so only one micro-batch's activations are alive at a time.
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
    readonly MicroBatchBuffers _microG, _microD;
    readonly StepUndo _undo;
    readonly int _accumulate;

    /// <param name="accumulate">micro-batches per optimizer step (the spec's accumulate); 1: no accumulation</param>
    public GanStep(nn.Module<Tensor, Tensor> g, nn.Module<Tensor, Tensor> d, int nz, IGanLoss loss,
        OptimizerHelper optG, OptimizerHelper optD, Device device, int accumulate = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(accumulate, 1);
        (_g, _d, _nz, _loss, _optG, _optD, _device, _accumulate) = (g, d, nz, loss, optG, optD, device, accumulate);
        (_microG, _microD) = (new MicroBatchBuffers([g], accumulate), new MicroBatchBuffers([d], accumulate));
        _paramsD = d.parameters().ToList();
        _gradsG = new FlatGradients(g.parameters().ToList(), GStatSlots, device);
        _gradsD = new FlatGradients(_paramsD, DStatSlots, device);
        _statsOnlyD = new FlatGradients([], DStatSlots, device);
        _buffers = new BufferAverager([g, d]);
        _undo = new StepUndo(g, d, optD);
    }

    /// <summary>Augmentation of D's real and fake inputs (augment.*; null: none). The trainer sets ADA's p before each step.</summary>
    public DiscriminatorAugment? Augment { get; set; }

    /// <summary>The R1 penalty on D (regularization.r1_gamma; null: none).</summary>
    public R1Penalty? R1 { get; set; }

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
        int n = _accumulate;
        if (real.shape[0] % n != 0) throw new ArgumentException($"a batch of {real.shape[0]} images does not split into {n} micro-batches");
        long micro = real.shape[0] / n;
        real = real.to(_device);
        var latents = new Tensor[n];
        Tensor? keptFake = null; // one micro-batch: D's fakes serve the G phase as they are, no second forward
        _microG.Begin();
        _microD.Begin();

        // D: maximise log D(x) + log(1 - D(G(z))) (or the hinge / Wasserstein equivalent).
        double lossD = double.NaN, dReal = double.NaN, dFake = double.NaN, realSign = double.NaN, normD = 0;
        bool dUpdated = false;
        {
            // A step whose D update a policy skips still measures D (forward only), so the policy sees fresh numbers.
            var buffer = updateD ? _gradsD : _statsOnlyD;
            buffer.Zero();
            Tensor? statsSum = null;
            for (int m = 0; m < n; m++)
            {
                // G's buffers start each micro-batch from the step's values and this forward's update is dropped:
                // the G phase's forward of the same latents is the one that counts, as in the unaccumulated step.
                _microG.Enter(m);
                _microD.Enter(m);
                // Micro-batch m is virtual rank r x n + m: its latents and augmentation draws are that rank's.
                int virtualRank = collective.Rank * n + m;
                using var rng = StepRandom.For(seed, step, virtualRank);
                latents[m] = randn(new long[] { micro, _nz }, generator: rng).to(_device);
                var realM = n == 1 ? real : real.narrow(0, m * micro, micro);
                Tensor fake;
                // An MSG generator's every scale, packed like the reals (ScalePyramid); any other's image.
                if (n == 1) fake = keptFake = ScalePyramid.Generate(_g, latents[m]);
                else using (no_grad()) fake = ScalePyramid.Generate(_g, latents[m]);
                var realD = Augmented(realM, DiscriminatorAugment.Use.RealForD, seed, step, virtualRank);
                bool r1Due = updateD && R1 is { } r1 && r1.IsDue(step);
                if (r1Due) realD = realD.detach().requires_grad_(true);
                var fakeD = Augmented(fake.detach(), DiscriminatorAugment.Use.FakeForD, seed, step, virtualRank);
                var realLogits = _d.forward(realD);
                var fakeLogits = _d.forward(fakeD);
                var errD = _loss.Discriminator(_d, realD, fakeD, realLogits, fakeLogits, rng);
                if (r1Due) errD = errD + R1!.Compute(realD, realLogits);
                // Each micro-batch's loss is a mean over its images; dividing by n makes the summed gradients the mean.
                if (updateD) (n == 1 ? errD : errD / n).backward();
                var stats = stack([errD.detach(), _loss.Report(realLogits).mean().detach(), _loss.Report(fakeLogits).mean().detach(),
                    realLogits.detach().sign().mean()]);
                statsSum = statsSum is null ? stats : statsSum + stats;
                _microD.Leave(m);
            }
            buffer.SetStats(n == 1 ? statsSum! : statsSum! / n);
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
        Tensor? lossGSum = null;
        for (int m = 0; m < n; m++)
        {
            _microG.Enter(m);
            _microD.Enter(m);
            var fake = keptFake ?? ScalePyramid.Generate(_g, latents[m]);
            var realM = n == 1 ? real : real.narrow(0, m * micro, micro);
            int virtualRank = collective.Rank * n + m;
            var errG = _loss.Generator(_d.forward(Augmented(fake, DiscriminatorAugment.Use.FakeForG, seed, step, virtualRank)), () =>
            {
                using var _ = no_grad(); // D is frozen and the reals do not depend on G; augmented as D saw them
                return _d.forward(Augmented(realM, DiscriminatorAugment.Use.RealForD, seed, step, virtualRank));
            });
            (n == 1 ? errG : errG / n).backward();
            lossGSum = lossGSum is null ? errG.detach() : lossGSum + errG.detach();
            _microG.Leave(m);
            _microD.Leave(m);
        }
        SetRequiresGrad(_paramsD, true);
        _microG.Finish();
        _microD.Finish();
        // Stop votes are summed, not averaged: multiply back by the world size after the mean.
        _gradsG.SetStats(stack([n == 1 ? lossGSum! : lossGSum! / n, tensor(voteStop ? 1f : 0f, device: _device)]));
        _gradsG.AllReduceMean(collective, cancel);
        var (statsG, normG) = _gradsG.Read();
        bool gUpdated = double.IsFinite(normG) && float.IsFinite(statsG[0]);
        _buffers.AllReduceMean(collective, cancel); // the last collective of the step: what follows is local
        if (gUpdated) _optG.step();

        int stopVotes = (int)Math.Round(statsG[1] * collective.WorldSize);
        return new StepStats(step, lossD, statsG[0], dReal, dFake, realSign, normD, normG, dUpdated, gUpdated, !updateD) { StopVotes = stopVotes, AugmentP = Augment?.EffectiveP };
    }

    Tensor Augmented(Tensor images, DiscriminatorAugment.Use use, long seed, long step, int rank) =>
        Augment?.Apply(images, use, seed, step, rank) ?? images;

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
