using GanCluster.Core.Spec;
using GanCluster.Training.Models;
using GanCluster.Training.Regularization;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Regularization;

/// <summary>
/// Spectral normalisation's sigma (power iteration, one step per training forward) against the largest singular value
/// from LAPACK's SVD (torch.linalg.svdvals, an independent method), and its u vector in the state dict (so it resumes).
/// </summary>
public class SpectralNormTests
{
    [Fact]
    public void Sigma_converges_to_the_largest_singular_value_and_the_used_weight_has_norm_1()
    {
        using var scope = NewDisposeScope();
        var conv = new SpectralNormConv2d(3, 5, 4, 2, 1);
        using (no_grad()) conv.Weight.copy_(randn(conv.Weight.shape, generator: new Generator(9)));
        var reference = linalg.svdvals(conv.Weight.detach().flatten(1))[0].item<float>();
        conv.train();
        var x = randn([2, 3, 8, 8], generator: new Generator(1));
        double first = conv.Sigma(false).item<float>();
        for (int i = 0; i < 100; i++) conv.forward(x);
        double sigma = conv.Sigma(false).item<float>();
        Assert.True(Math.Abs(sigma - reference) <= 1e-3 * reference, $"sigma {sigma} vs SVD {reference} (start {first})");
        Assert.True(Math.Abs(first - reference) > 1e-3 * reference, "the start vector was already converged: the test proves nothing");
        var used = conv.Weight.detach().flatten(1) / sigma;
        Assert.True(Math.Abs(linalg.svdvals(used)[0].item<float>() - 1) < 1e-3);
    }

    [Fact]
    public void An_evaluation_forward_does_not_iterate_and_u_is_in_the_state_dict()
    {
        using var scope = NewDisposeScope();
        var conv = new SpectralNormConv2d(2, 3, 3, 1, 1);
        var u = conv.U.clone();
        conv.eval();
        conv.forward(randn([1, 2, 5, 5]));
        Assert.True(conv.U.equal(u).all().item<bool>());
        conv.train();
        conv.forward(randn([1, 2, 5, 5]));
        Assert.False(conv.U.equal(u).all().item<bool>());
        Assert.Contains("u", conv.state_dict().Keys);
    }

    [Fact]
    public void The_dcgan_discriminator_normalises_every_conv_when_asked()
    {
        var spec = TinySpecs.Dcgan("regularization.spectral_norm=true");
        var (g, d) = GanModels.Create(spec, CPU);
        var names = d.state_dict().Keys.ToList();
        Assert.Equal(3, names.Count(n => n.EndsWith(".u"))); // conv0, conv1 and the head at 16 px
        var plain = GanModels.Create(TinySpecs.Dcgan(), CPU).D;
        Assert.DoesNotContain(plain.state_dict().Keys, n => n.EndsWith(".u"));
        g.Dispose();
    }
}
