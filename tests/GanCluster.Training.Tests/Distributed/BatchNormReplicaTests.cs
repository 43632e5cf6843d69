using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using GanCluster.Training.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// BatchNorm in a 2-rank world over the real ring (<see cref="Distributed.BufferAverager"/>'s promise): each replica
/// normalises with its own batch statistics, and the running buffers are averaged across ranks after every step, so
/// the replicas stay bit-identical although every rank saw different images and latents.
/// </summary>
public class BatchNormReplicaTests
{
    const int B = 4;

    static RunSpec Spec() => TinySpecs.Dcgan("model.norm=batch");

    sealed class Replica : IDisposable
    {
        readonly long _seed;
        public readonly ExplicitLatents G;
        public readonly nn.Module<Tensor, Tensor> D;
        public readonly Adam OptG, OptD;
        readonly GanStep _step;

        public Replica(RunSpec spec)
        {
            _seed = spec.Seed;
            var (g, d) = GanModels.Create(spec, CPU);
            (G, D) = (new ExplicitLatents(g), d);
            OptG = new SafeAdam(G.parameters(), spec.Optim.LrG, spec.Optim.Beta1, spec.Optim.Beta2);
            OptD = new SafeAdam(D.parameters(), spec.Optim.LrD, spec.Optim.Beta1, spec.Optim.Beta2);
            _step = new GanStep(G, D, spec.Model.Nz, new BceLoss(), OptG, OptD, CPU);
        }

        public void Run(Tensor real, Tensor latents, long step, ICollective collective)
        {
            G.Next = latents;
            _step.Run(real, step, _seed, collective);
        }

        /// <summary>The running statistics of every BatchNorm layer (G's then D's), by name, as copies.</summary>
        public Dictionary<string, float[]> RunningStats(bool generatorOnly = false) =>
            (generatorOnly ? [("g", G)] : new (string, nn.Module)[] { ("g", G), ("d", D) })
            .SelectMany(m => m.Item2.named_buffers().Select(b => (Name: $"{m.Item1}.{b.name}", b.buffer)))
            .Where(b => b.Name.EndsWith("running_mean", StringComparison.Ordinal) || b.Name.EndsWith("running_var", StringComparison.Ordinal))
            .ToDictionary(b => b.Name, b => b.buffer.data<float>().ToArray());

        public string Hash() => TrainerSnapshot.Capture(G, D, OptG, OptD, new TrainState(), "").Hash();

        public void Dispose()
        {
            _step.Dispose();
            OptG.Dispose();
            OptD.Dispose();
            G.Dispose();
            D.Dispose();
        }
    }

    /// <summary>Rank r's own batch at step s: different images and latents on every rank.</summary>
    static (Tensor Real, Tensor Latents) Batch(int step, int rank, int nz)
    {
        using var g = new Generator((ulong)(1000 * rank + step));
        return (rand(new long[] { B, 1, 16, 16 }, generator: g) * 2 - 1, randn(new long[] { B, nz }, generator: g));
    }

    [Fact]
    public void Running_statistics_are_averaged_across_ranks_and_the_replicas_stay_bit_identical()
    {
        var spec = Spec();
        int nz = spec.Model.Nz;
        const int steps = 4;

        // What each rank's generator would hold after step 1 on its own (G's forward runs once per step with the
        // initial weights, so its buffers before averaging are exactly these).
        var alone = new Dictionary<string, float[]>[2];
        for (int rank = 0; rank < 2; rank++)
        {
            using var solo = new Replica(spec);
            var (real, z) = Batch(1, rank, nz);
            using (real) using (z) solo.Run(real, z, 1, SingleProcessCollective.Instance);
            alone[rank] = solo.RunningStats(generatorOnly: true);
        }

        using var world = new LoopbackWorld(2);
        var replicas = new[] { new Replica(spec), new Replica(spec) };
        try
        {
            Assert.NotEmpty(replicas[0].RunningStats()); // the model really has BatchNorm layers
            var afterFirst = new Dictionary<string, float[]>[2];
            var hashes = new string[2];
            world.OnEveryRank((rank, collective) =>
            {
                for (int s = 1; s <= steps; s++)
                {
                    var (real, z) = Batch(s, rank, nz);
                    using (real) using (z) replicas[rank].Run(real, z, s, collective);
                    if (s == 1) afterFirst[rank] = replicas[rank].RunningStats(generatorOnly: true);
                }
                hashes[rank] = replicas[rank].Hash();
            });

            // After step 1, G's running buffers are the mean of what the two ranks computed alone, and they are not
            // what either rank computed alone (the ranks saw different batches).
            foreach (var (name, averaged) in afterFirst[0])
            {
                var (a, b) = (alone[0][name], alone[1][name]);
                Assert.NotEqual(a, b);
                for (int i = 0; i < averaged.Length; i++)
                    Assert.True(Math.Abs(averaged[i] - (a[i] + b[i]) / 2) <= 1e-6f, $"{name}[{i}]: {averaged[i]} vs mean of {a[i]} and {b[i]}");
                Assert.Equal(averaged, afterFirst[1][name]);
            }

            // After every step: every BatchNorm buffer, every weight and the optimizer states are bit-identical.
            var (stats0, stats1) = (replicas[0].RunningStats(), replicas[1].RunningStats());
            Assert.Equal(stats0.Keys.Order(), stats1.Keys.Order());
            foreach (var name in stats0.Keys) Assert.Equal(stats0[name], stats1[name]);
            Assert.Contains(stats0, kv => kv.Key.StartsWith("d.", StringComparison.Ordinal));
            Assert.Equal(hashes[0], hashes[1]);
        }
        finally
        {
            foreach (var r in replicas) r.Dispose();
        }
    }
}
