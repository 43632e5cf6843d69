using GanCluster.Core.Parallel;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>A data-parallel step either completes everywhere or leaves the replica exactly at the previous step.</summary>
public class StepAtomicityTests
{
    sealed class Replica : IDisposable
    {
        public readonly nn.Module<Tensor, Tensor> G, D;
        public readonly Adam OptG, OptD;
        public readonly GanStep Step;

        public Replica()
        {
            var spec = TinySpecs.Dcgan();
            (G, D) = GanModels.Create(spec, CPU);
            OptG = optim.Adam(G.parameters(), 2e-4, 0.5, 0.999);
            OptD = optim.Adam(D.parameters(), 2e-4, 0.5, 0.999);
            Step = new GanStep(G, D, spec.Model.Nz, new BceLoss(), OptG, OptD, CPU);
        }

        public string Hash() => TrainerSnapshot.Capture(G, D, OptG, OptD, new TrainState(), "").Hash();

        public void Dispose() => Step.Dispose();
    }

    static Tensor Batch(int seed)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { 8, 1, 16, 16 }, generator: g) * 2 - 1;
    }

    [Fact]
    public void A_step_over_a_mirrored_world_equals_a_single_process_step()
    {
        using var single = new Replica();
        using var mirrored = new Replica();
        for (int s = 1; s <= 3; s++)
        {
            using var batch = Batch(s);
            single.Step.Run(batch, s, 3, SingleProcessCollective.Instance);
            mirrored.Step.Run(batch, s, 3, new MirrorCollective());
        }
        Assert.Equal(single.Hash(), mirrored.Hash());
    }

    [Theory]
    [InlineData(1)] // D's all-reduce: nothing applied yet
    [InlineData(2)] // G's all-reduce: D already updated, must be put back
    [InlineData(3)] // the BatchNorm buffer all-reduce: the last collective of the step
    public void A_collective_failing_mid_step_leaves_the_replica_at_the_previous_step(int failingCall)
    {
        using var replica = new Replica();
        using (var warmup = Batch(1)) replica.Step.Run(warmup, 1, 3, new MirrorCollective());
        string before = replica.Hash();
        using var batch = Batch(2);
        var collective = new MirrorCollective(failOnCall: failingCall);
        Assert.Throws<IOException>(() => replica.Step.Run(batch, 2, 3, collective));
        Assert.Equal(before, replica.Hash());

        // ... and the step can be retried as if nothing had happened.
        using var reference = new Replica();
        using (var warmup = Batch(1)) reference.Step.Run(warmup, 1, 3, new MirrorCollective());
        reference.Step.Run(batch, 2, 3, new MirrorCollective());
        replica.Step.Run(batch, 2, 3, new MirrorCollective());
        Assert.Equal(reference.Hash(), replica.Hash());
    }

    [Fact]
    public void A_trainer_runs_the_multi_rank_path_in_a_mirrored_world()
    {
        // Exercises what only worlds of several ranks do (undo copies inside the step's DisposeScope, buffer
        // averaging, replica hash checks through broadcast + all-reduce) without a network.
        string dir = TinySpecs.TempDir();
        using var mirrored = new GanTrainer(new TrainerOptions
        {
            Spec = TinySpecs.Dcgan("steps=3", "cluster.hash_every=1"), RunDir = dir, Mode = new RunMode.SingleProcess(new MirrorCollective()),
        });
        var state = mirrored.Run();
        Assert.Equal(3, state.Step);
        var rows = GanCluster.Core.Runs.JsonlWriter.ReadAll(Path.Combine(dir, "metrics.jsonl")).ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.True((bool)r["replica_hash_ok"]!));
        Assert.All(rows, r => Assert.Equal(2, (int)r["world_size"]!));
    }
}
