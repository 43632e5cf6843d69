using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Augment;
using GanCluster.Training.Losses;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using GanCluster.Training.Tensors;
using GanCluster.Training.Tests.Distributed;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Augment;

/// <summary>
/// Training with every remedy on (ADA with a moving p, lazy R1, spectral norm): data-parallel replicas stay
/// bit-identical over a real ring all-reduce, a run interrupted and resumed equals the uninterrupted one (p, its
/// controller and the u vectors included), and a collapse rescue switches ADA and R1 on in place.
/// </summary>
public class AugmentedTrainingTests
{
    static readonly string[] AllOn =
    [
        "augment.kind=ada", "augment.p=0.3", "augment.interval=2", "augment.adjust_images=200",
        "regularization.r1_gamma=1", "regularization.r1_every=2", "regularization.spectral_norm=true",
    ];

    sealed class Replica : IDisposable
    {
        public readonly nn.Module<Tensor, Tensor> G, D;
        readonly Adam _optG, _optD;
        public readonly GanStep Step;
        public readonly DiscriminatorRegime Regime;

        public Replica(RunSpec spec)
        {
            (G, D) = GanModels.Create(spec, CPU);
            _optG = new SafeAdam(G.parameters(), spec.Optim.LrG, spec.Optim.Beta1, spec.Optim.Beta2);
            _optD = new SafeAdam(D.parameters(), spec.Optim.LrD, spec.Optim.Beta1, spec.Optim.Beta2);
            Step = new GanStep(G, D, spec.Model.Nz, new BceLoss(), _optG, _optD, CPU);
            Regime = new DiscriminatorRegime(spec);
        }

        /// <summary>Every parameter and buffer (BatchNorm statistics, spectral norm's u), flattened.</summary>
        public float[] State()
        {
            using var scope = NewDisposeScope();
            var all = G.state_dict().Values.Concat(D.state_dict().Values).Where(t => t.dtype == float32).Select(t => t.detach().reshape(-1));
            return cat(all.ToList()).data<float>().ToArray();
        }

        public void Dispose()
        {
            Step.Dispose();
            _optG.Dispose();
            _optD.Dispose();
            G.Dispose();
            D.Dispose();
        }
    }

    [Fact]
    public void Two_ranks_with_every_remedy_on_stay_bit_identical_and_agree_on_p()
    {
        var spec = TinySpecs.Dcgan(AllOn);
        using var world = new LoopbackWorld(2);
        var replicas = new[] { new Replica(spec), new Replica(spec) };
        var ps = new[] { new List<double>(), new List<double>() };
        try
        {
            world.OnEveryRank((rank, collective) =>
            {
                var r = replicas[rank];
                for (int s = 1; s <= 6; s++)
                {
                    using var scope = NewDisposeScope();
                    using var g = new Generator((ulong)(1000 * s + rank)); // each rank its own images
                    var real = rand([8, 1, 16, 16], generator: g) * 2 - 1;
                    r.Regime.Configure(r.Step, CollapseResponseState.Initial);
                    var stats = r.Step.Run(real, s, spec.Seed, collective);
                    r.Regime.Advance(r.Step, stats, 16);
                    ps[rank].Add(r.Regime.P);
                }
            });
            Assert.Equal(ps[0], ps[1]);
            Assert.True(ps[0].Distinct().Count() > 1, "p never moved: the test does not exercise the controller");
            Assert.Equal(replicas[0].State(), replicas[1].State());
        }
        finally
        {
            foreach (var r in replicas) r.Dispose();
        }
    }

    static (string Hash, JsonNode? Regime) Train(string dir, RunSpec spec, bool resume = false)
    {
        using var trainer = new GanTrainer(new TrainerOptions { Spec = spec, RunDir = dir, Resume = resume });
        trainer.Run();
        var snapshot = trainer.Snapshot();
        return (snapshot.Hash(), snapshot.ReadState().Regime);
    }

    [Fact]
    public void Interrupted_and_resumed_with_augmentation_on_equals_the_uninterrupted_run()
    {
        string[] Spec(int steps) => [.. AllOn, $"steps={steps}", "checkpoint.every=3"];
        string wholeDir = TinySpecs.TempDir();
        var whole = Train(wholeDir, TinySpecs.Dcgan(Spec(6)));
        string dir = TinySpecs.TempDir();
        var half = Train(dir, TinySpecs.Dcgan(Spec(3)));
        Assert.NotEqual(whole.Hash, half.Hash);
        var resumed = Train(dir, TinySpecs.Dcgan(Spec(6)), resume: true);
        Assert.Equal(whole.Hash, resumed.Hash);
        Assert.True(JsonNode.DeepEquals(whole.Regime, resumed.Regime), $"{whole.Regime} vs {resumed.Regime}");

        var rows = JsonlWriter.ReadAll(Path.Combine(dir, "metrics.jsonl")).ToList();
        var p = rows.Select(r => (double)r["augment_p"]!).ToList();
        Assert.Equal(6, p.Count);
        Assert.True(p.Distinct().Count() > 1, "p never moved in 6 steps");
        Assert.Equal(JsonlWriter.ReadAll(Path.Combine(wholeDir, "metrics.jsonl")).Select(r => (double)r["augment_p"]!), p);
        Assert.Contains(JsonlWriter.ReadAll(Path.Combine(dir, "events.jsonl")), e => (string)e["kind"]! == EventKind.AugmentPChanged);
    }

    [Fact]
    public void A_rescue_switches_ada_on_raises_p_and_r1_in_place()
    {
        var spec = TinySpecs.Dcgan();
        using var replica = new Replica(spec);
        Assert.Null(replica.Regime.Configure(replica.Step, CollapseResponseState.Initial));
        Assert.Null(replica.Step.Augment);
        Assert.Null(replica.Step.R1);

        var rescued = CollapseResponseState.Initial with { Rescues = 1, RescueP = 0.2, RescueR1Gamma = 1, LastRescueEvaluation = 3 };
        var raised = replica.Regime.Configure(replica.Step, rescued);
        Assert.NotNull(raised);
        Assert.Equal((0.0, 0.2, "rescue"), (raised!.From, raised.To, raised.Source));
        Assert.Equal(AugmentKind.Ada, replica.Step.Augment!.Kind);
        Assert.Equal(0.2, replica.Step.Augment.P);
        Assert.Equal(1.0, replica.Step.R1!.Gamma);
        // The floor applies once per decision: the controller may lower p again afterwards.
        Assert.Null(replica.Regime.Configure(replica.Step, rescued));
        var stats = replica.Step.Run(rand([8, 1, 16, 16]) * 2 - 1, 1, spec.Seed, SingleProcessCollective.Instance);
        Assert.Equal(0.2, stats.AugmentP);
    }
}
