using GanCluster.Core.Parallel;
using GanCluster.Core.Spec;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using GanCluster.Training.Tensors;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Distributed;

/// <summary>
/// Data-parallel equivalence (issue 3): on a BatchNorm-free DCGAN, 2 ranks x batch b over a real ring all-reduce
/// (two <see cref="Collective.RingCollective"/>s on loopback TCP, one thread each) train exactly what 1 rank x batch
/// 2b trains on the same images and latents.
/// </summary>
/// <remarks>
/// What is compared: <see cref="GanStep"/> driven directly, step by step, with explicit tensors. Each step has one
/// batch of 2b real images and 2b latents; the single rank gets all of them, rank r gets rows [r*b, (r+1)*b). The
/// latents are injected through <see cref="ExplicitLatents"/> because GanStep draws them from hash(seed, step, rank),
/// so by construction the two setups would otherwise see different latents. Both losses are means over the batch,
/// so the mean of the two ranks' gradients equals the 2b-batch gradient in exact arithmetic; in floats the sums are
/// ordered differently, so parameters agree only up to rounding. After <see cref="Steps"/> steps we compare every
/// parameter of G and D (the rank-0 replica; rank 1 must equal rank 0 bit for bit) and each step's averaged
/// statistics.
///
/// Tolerance: absolute 1e-5 on parameters. DCGAN weights start N(0, 0.02) and Adam moves each weight by about lr
/// (2e-4) per step whatever the gradient's scale, so a relative bound would be dominated by weights near zero, while
/// an absolute 1e-5 is 5% of one step's update: a rank that trained on the wrong half, dropped a rank's gradient or
/// summed instead of averaging misses by far more (the control below measures it).
/// </remarks>
public class DataParallelEquivalenceTests(ITestOutputHelper output)
{
    const int B = 4;
    const int Steps = 5;
    const double Tolerance = 1e-5;

    static RunSpec Spec() => TinySpecs.Dcgan("model.norm=none");

    sealed class Replica : IDisposable
    {
        readonly long _seed;
        public readonly ExplicitLatents G;
        public readonly nn.Module<Tensor, Tensor> D;
        readonly Adam _optG, _optD;
        readonly GanStep _step;

        public Replica(RunSpec spec, int accumulate = 1)
        {
            _seed = spec.Seed;
            var (g, d) = GanModels.Create(spec, CPU);
            G = new ExplicitLatents(g);
            D = d;
            _optG = new SafeAdam(G.parameters(), spec.Optim.LrG, spec.Optim.Beta1, spec.Optim.Beta2);
            _optD = new SafeAdam(D.parameters(), spec.Optim.LrD, spec.Optim.Beta1, spec.Optim.Beta2);
            _step = new GanStep(G, D, spec.Model.Nz, new BceLoss(), _optG, _optD, CPU, accumulate);
        }

        public StepStats Run(Tensor real, Tensor? latents, long step, ICollective collective)
        {
            G.Next = latents;
            return _step.Run(real, step, _seed, collective);
        }

        /// <summary>G's then D's buffers (BatchNorm running statistics), flattened (a copy).</summary>
        public float[] Buffers()
        {
            using var scope = NewDisposeScope();
            var floats = G.buffers().Concat(D.buffers()).Where(b => b.dtype == ScalarType.Float32).Select(b => b.detach().reshape(-1)).ToList();
            return floats.Count == 0 ? [] : cat(floats).data<float>().ToArray();
        }

        /// <summary>Every parameter of G then D, flattened (a copy).</summary>
        public float[] Parameters()
        {
            using var scope = NewDisposeScope();
            return cat(G.parameters().Concat(D.parameters()).Select(p => p.detach().reshape(-1)).ToList()).data<float>().ToArray();
        }

        public void Dispose()
        {
            _step.Dispose();
            _optG.Dispose();
            _optD.Dispose();
            G.Dispose();
            D.Dispose();
        }
    }

    /// <summary>Step s's global batch: 2b images in [-1, 1] and 2b latents, the same for every setup.</summary>
    static (Tensor Real, Tensor Latents) Batch(int step, int nz)
    {
        using var g = new Generator((ulong)(100 + step));
        return (rand(new long[] { 2 * B, 1, 16, 16 }, generator: g) * 2 - 1, randn(new long[] { 2 * B, nz }, generator: g));
    }

    static Tensor Rows(Tensor t, int rank) => t.narrow(0, rank * B, B).contiguous();

    static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    [Fact]
    public void Two_ranks_with_batch_b_over_the_ring_train_what_one_rank_with_batch_2b_trains()
    {
        var spec = Spec();
        int nz = spec.Model.Nz;

        // 1 rank x 2b.
        using var single = new Replica(spec);
        var singleStats = new List<StepStats>();
        for (int s = 1; s <= Steps; s++)
        {
            var (real, z) = Batch(s, nz);
            using (real) using (z) singleStats.Add(single.Run(real, z, s, SingleProcessCollective.Instance));
        }

        // 2 ranks x b, gradients averaged by the real ring all-reduce.
        using var world = new LoopbackWorld(2);
        var replicas = new[] { new Replica(spec), new Replica(spec) };
        var rankStats = new[] { new List<StepStats>(), new List<StepStats>() };
        try
        {
            world.OnEveryRank((rank, collective) =>
            {
                for (int s = 1; s <= Steps; s++)
                {
                    var (real, z) = Batch(s, nz);
                    using (real) using (z)
                    using (var myReal = Rows(real, rank)) using (var myZ = Rows(z, rank))
                        rankStats[rank].Add(replicas[rank].Run(myReal, myZ, s, collective));
                }
            });
            float[] rank0 = replicas[0].Parameters(), rank1 = replicas[1].Parameters();
            float[] reference = single.Parameters();

            // The replicas are bit-identical (the ring's reduction order is fixed).
            Assert.Equal(rank0, rank1);
            double diff = MaxAbsDiff(reference, rank0);
            output.WriteLine($"{reference.Length} parameters, {Steps} steps, b={B}: max |1 rank x 2b - 2 ranks x b| = {diff:E3}");
            Assert.True(diff <= Tolerance, $"max abs difference {diff:E3} > {Tolerance:E0}");
            // Every step's averaged statistics agree too, and both updates happened everywhere.
            for (int i = 0; i < Steps; i++)
            {
                var (one, two) = (singleStats[i], rankStats[0][i]);
                Assert.True(one.DUpdated && one.GUpdated && two.DUpdated && two.GUpdated);
                Assert.Equal(two, rankStats[1][i]);
                foreach (var (a, b) in new[] { (one.LossD, two.LossD), (one.LossG, two.LossG), (one.DReal, two.DReal), (one.DFake, two.DFake) })
                    Assert.True(Math.Abs(a - b) <= Tolerance, $"step {i + 1}: statistic {a} vs {b}");
            }

            // Control: the comparison can tell. One rank on rank 0's half alone (what a rank trains if the all-reduce
            // did nothing) ends far outside the tolerance.
            using var half = new Replica(spec);
            for (int s = 1; s <= Steps; s++)
            {
                var (real, z) = Batch(s, nz);
                using (real) using (z)
                using (var myReal = Rows(real, 0)) using (var myZ = Rows(z, 0))
                    half.Run(myReal, myZ, s, SingleProcessCollective.Instance);
            }
            double control = MaxAbsDiff(reference, half.Parameters());
            output.WriteLine($"control (1 rank x b on rank 0's half): max abs difference {control:E3}");
            Assert.True(control > 100 * Tolerance, $"control difference {control:E3} is not well above the tolerance");
        }
        finally
        {
            foreach (var r in replicas) r.Dispose();
        }
    }

    /// <summary>
    /// Gradient accumulation (issue 20): one rank with accumulate 2 x batch b trains what one rank with batch 2b trains
    /// on a BatchNorm-free DCGAN, on the same images and latents (micro-batch m takes rows [m*b, (m+1)*b), as rank m
    /// did above), within the same tolerance; and every step's statistics agree.
    /// </summary>
    [Fact]
    public void Accumulating_two_micro_batches_of_b_trains_what_one_batch_of_2b_trains()
    {
        var spec = Spec();
        int nz = spec.Model.Nz;
        using var single = new Replica(spec);
        using var accumulating = new Replica(spec, accumulate: 2);
        for (int s = 1; s <= Steps; s++)
        {
            var (real, z) = Batch(s, nz);
            using (real) using (z)
            {
                var one = single.Run(real, z, s, SingleProcessCollective.Instance);
                var two = accumulating.Run(real, z, s, SingleProcessCollective.Instance);
                Assert.True(two.DUpdated && two.GUpdated);
                foreach (var (a, b) in new[] { (one.LossD, two.LossD), (one.LossG, two.LossG), (one.DReal, two.DReal), (one.DFake, two.DFake) })
                    Assert.True(Math.Abs(a - b) <= Tolerance, $"step {s}: statistic {a} vs {b}");
            }
        }
        double diff = MaxAbsDiff(single.Parameters(), accumulating.Parameters());
        output.WriteLine($"{Steps} steps: max |batch 2b - accumulate 2 x b| = {diff:E3}");
        Assert.True(diff <= Tolerance, $"max abs difference {diff:E3} > {Tolerance:E0}");
    }

    /// <summary>
    /// With BatchNorm, a micro-batch is normalised by its own statistics, as a rank is: one rank accumulating 2
    /// micro-batches of b trains what a 2-rank world with batch b trains over the real ring (each micro-batch draws
    /// the latents of the rank it stands for), parameters and BatchNorm running buffers alike. The control: the same
    /// rank without accumulation (one BatchNorm over 2b) ends far outside the tolerance.
    /// </summary>
    [Fact]
    public void Accumulating_two_micro_batches_with_batchnorm_trains_what_two_ranks_train()
    {
        var spec = TinySpecs.Dcgan();
        Assert.Equal(NormKind.Batch, spec.Model.Norm);
        using var accumulating = new Replica(spec, accumulate: 2);
        using var unaccumulated = new Replica(spec);
        for (int s = 1; s <= Steps; s++)
        {
            var (real, _) = Batch(s, spec.Model.Nz);
            using (real)
            {
                accumulating.Run(real, null, s, SingleProcessCollective.Instance);
                unaccumulated.Run(real, null, s, SingleProcessCollective.Instance);
            }
        }

        using var world = new LoopbackWorld(2);
        var replicas = new[] { new Replica(spec), new Replica(spec) };
        try
        {
            world.OnEveryRank((rank, collective) =>
            {
                for (int s = 1; s <= Steps; s++)
                {
                    var (real, z) = Batch(s, spec.Model.Nz);
                    using (real) using (z) using (var myReal = Rows(real, rank))
                        replicas[rank].Run(myReal, null, s, collective);
                }
            });
            Assert.Equal(replicas[0].Parameters(), replicas[1].Parameters());
            double parameters = MaxAbsDiff(replicas[0].Parameters(), accumulating.Parameters());
            double buffers = MaxAbsDiff(replicas[0].Buffers(), accumulating.Buffers());
            double control = MaxAbsDiff(replicas[0].Parameters(), unaccumulated.Parameters());
            output.WriteLine($"BatchNorm, {Steps} steps: max |2 ranks x b - accumulate 2 x b| parameters {parameters:E3}, " +
                             $"running buffers {buffers:E3}; control (one BatchNorm over 2b) {control:E3}");
            Assert.NotEmpty(replicas[0].Buffers());
            Assert.True(parameters <= Tolerance, $"parameters: max abs difference {parameters:E3} > {Tolerance:E0}");
            Assert.True(buffers <= Tolerance, $"running buffers: max abs difference {buffers:E3} > {Tolerance:E0}");
            Assert.True(control > 100 * Tolerance, $"control difference {control:E3} is not well above the tolerance");
        }
        finally
        {
            foreach (var r in replicas) r.Dispose();
        }
    }
}
