using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using GanCluster.Training.Tensors;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Training;

public class TrainingStepTests
{
    [Theory]
    [InlineData("bce", "batch")]
    [InlineData("hinge", "batch")]
    [InlineData("wgan-gp", "none")]
    public void A_few_steps_of_each_loss_stay_finite_and_change_both_networks(string loss, string norm)
    {
        var spec = TinySpecs.Dcgan($"loss={loss}", $"model.norm={norm}", "steps=3");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = TinySpecs.TempDir() });
        string before = trainer.Snapshot().Hash();
        var reports = new List<StepReport>();
        trainer.StepCompleted += reports.Add;
        var state = trainer.Run();
        Assert.Equal(3, state.Step);
        Assert.Equal(0, state.SkippedNonFinite);
        Assert.All(reports, r =>
        {
            Assert.True(double.IsFinite(r.Stats.LossD) && double.IsFinite(r.Stats.LossG), $"step {r.Stats.Step}: {r.Stats}");
            Assert.True(r.Stats.DUpdated && r.Stats.GUpdated);
        });
        Assert.NotEqual(before, trainer.Snapshot().Hash());
    }

    [Fact]
    public void A_non_finite_discriminator_loss_skips_the_update_and_keeps_the_weights()
    {
        var spec = TinySpecs.Dcgan();
        var (g, d) = GanModels.Create(spec, CPU);
        var optG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
        var optD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
        using var step = new GanStep(g, d, spec.Model.Nz, new BceLoss(), optG, optD, CPU);
        var dBefore = d.parameters().Select(p => p.detach().clone()).ToList();
        using var poisoned = full(new long[] { 8, 1, 16, 16 }, float.NaN);
        var stats = step.Run(poisoned, 1, spec.Seed, SingleProcessCollective.Instance);
        Assert.False(stats.DUpdated);
        Assert.True(stats.AnyNonFinite);
        Assert.True(double.IsNaN(stats.LossD));
        foreach (var (p, before) in d.parameters().Zip(dBefore))
            Assert.True(p.detach().eq(before).all().item<bool>(), "D must not change when its update is skipped");
        // G's loss only depends on D's (unchanged, finite) weights, so G still trains.
        Assert.True(stats.GUpdated);
    }

    [Fact]
    public void Latents_are_a_function_of_seed_step_and_rank_only()
    {
        using var a = StepRandom.For(1, 10, 0);
        using var b = StepRandom.For(1, 10, 0);
        using var c = StepRandom.For(1, 10, 1);
        using var x = randn(new long[] { 4 }, generator: a);
        using var y = randn(new long[] { 4 }, generator: b);
        using var z = randn(new long[] { 4 }, generator: c);
        Assert.True(x.eq(y).all().item<bool>());
        Assert.False(x.eq(z).all().item<bool>());
    }

    [Fact]
    public void A_snapshot_restores_into_fresh_models_with_the_same_hash()
    {
        var spec = TinySpecs.Dcgan("steps=2");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = TinySpecs.TempDir() });
        trainer.Run();
        var snapshot = trainer.Snapshot();
        var other = RunSpecLoader.Parse(SpecEmitter.ToYaml(spec), ["seed=99"]); // different initial weights
        var (g, d) = GanModels.Create(other, CPU);
        var optG = new SafeAdam(g.parameters(), 1e-3, 0.5, 0.999);
        var optD = new SafeAdam(d.parameters(), 1e-3, 0.5, 0.999);
        snapshot.Restore(g, d, optG, optD);
        var restored = TrainerSnapshot.Capture(g, d, optG, optD, snapshot.ReadState(), snapshot.ReadSpecYaml());
        Assert.Equal(snapshot.Hash(), restored.Hash());
    }

    [Fact]
    public void Two_replicas_built_from_the_same_seed_start_bit_identical()
    {
        var spec = TinySpecs.Dcgan();
        var a = GanModels.Create(spec, CPU);
        var b = GanModels.Create(spec, CPU);
        Assert.Equal(Bytes(a.G), Bytes(b.G));
        Assert.Equal(Bytes(a.D), Bytes(b.D));
        var c = GanModels.Create(RunSpecLoader.Parse(SpecEmitter.ToYaml(spec), ["seed=4"]), CPU);
        Assert.NotEqual(Bytes(a.G), Bytes(c.G));
    }

    static byte[] Bytes(nn.Module m)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) m.save(w);
        return ms.ToArray();
    }
}
