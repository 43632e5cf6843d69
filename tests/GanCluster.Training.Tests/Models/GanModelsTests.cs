using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Models;
using GanCluster.Training.Steps;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>Invariant 1 starts here: every replica builds the same initial weights from the run's seed.</summary>
public class GanModelsTests
{
    [Theory]
    [InlineData("model: { arch: dcgan, resolution: 16, ngf: 4, ndf: 4 }")]
    [InlineData("model: { arch: progressive, resolution: 16, fmaps: 8 }")]
    public void The_same_seed_builds_bit_identical_networks(string yaml)
    {
        var spec = RunSpecLoader.Parse(yaml);
        var (g1, d1) = GanModels.Create(spec, CPU);
        var (g2, d2) = GanModels.Create(spec, CPU);
        Assert.Equal(Bytes(g1), Bytes(g2));
        Assert.Equal(Bytes(d1), Bytes(d2));
        var (g3, _) = GanModels.Create(RunSpecLoader.Parse(yaml, ["seed=2"]), CPU);
        Assert.NotEqual(Bytes(g1), Bytes(g3));
    }

    [Fact]
    public void Step_latents_are_the_same_in_every_process()
    {
        using var a = StepRandom.For(1, 5, 0);
        using var b = StepRandom.For(1, 5, 0);
        Assert.Equal(randn(new long[] { 8 }, generator: a).data<float>().ToArray(), randn(new long[] { 8 }, generator: b).data<float>().ToArray());
    }

    static byte[] Bytes(nn.Module module)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) module.save(w);
        return ms.ToArray();
    }
}
