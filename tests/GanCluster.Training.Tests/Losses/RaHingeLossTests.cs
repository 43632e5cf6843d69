using GanCluster.Core.Spec;
using GanCluster.Core.Runs;
using GanCluster.Training.Losses;
using static GanCluster.Training.Tests.Training.TinyRuns;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Losses;

public class RaHingeLossTests
{
    [Fact]
    public void Each_side_is_judged_against_the_other_side_s_mean_with_a_margin_of_1()
    {
        using var scope = NewDisposeScope();
        var loss = GanLosses.Create(LossKind.RaHinge);
        var real = tensor(new[] { 2f, 0f });  // mean 1
        var fake = tensor(new[] { -1f, 1f }); // mean 0
        using var rng = new Generator(1);
        // D: real - mean(fake) = [2, 0] -> relu(1 - .) = [0, 1]; fake - mean(real) = [-2, 0] -> relu(1 + .) = [0, 1].
        Assert.Equal(1.0, loss.Discriminator(null!, real, fake, real, fake, rng).item<float>(), 6);
        // G, the reverse: relu(1 - (fake - 1)) = [3, 1]; relu(1 + (real - 0)) = [3, 1].
        Assert.Equal(4.0, loss.Generator(fake, () => real).item<float>(), 6);
    }

    [Theory]
    [InlineData(LossKind.Bce)]
    [InlineData(LossKind.Hinge)]
    [InlineData(LossKind.WganGp)]
    public void Losses_that_are_not_relativistic_never_compute_d_on_the_reals_for_g(LossKind kind)
    {
        using var scope = NewDisposeScope();
        var g = GanLosses.Create(kind).Generator(tensor(new[] { 0.5f, -0.5f }), () => throw new InvalidOperationException("called"));
        Assert.True(float.IsFinite(g.item<float>()));
    }

    [Fact]
    public void Ra_hinge_trains_a_dcgan_as_well()
    {
        string dir = NewDir();
        Train(dir, Spec(Dcgan + "\nloss: ra-hinge\n"));
        var metrics = JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile).ToList();
        Assert.Equal(12, metrics.Count);
        Assert.All(metrics, m => Assert.True(m["d_skipped"]!.GetValue<int>() == 0 && double.IsFinite(m["loss_g"]!.GetValue<double>())));
        Assert.Contains("loss: ra-hinge", File.ReadAllText(new RunLayout(dir).SpecFile));
    }
}
