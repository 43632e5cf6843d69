using GanCluster.Training.Regularization;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Regularization;

/// <summary>
/// R1 = gamma/2 * E||grad_x D(x)||^2 (times r1_every when lazy) against central finite differences, in float64 on a
/// smooth D (dense, tanh, dense): the penalty's value from finite-difference input gradients, and the penalty's own
/// gradient with respect to a weight of D (what training uses; it needs the double-backward graph) from finite
/// differences of the penalty.
/// </summary>
public class R1PenaltyTests
{
    const double H = 1e-6;

    static (nn.Module<Tensor, Tensor> D, Tensor X) Setup()
    {
        var gen = new Generator(17);
        var d = nn.Sequential(("flat", nn.Flatten()), ("fc1", nn.Linear(12, 6, dtype: float64)), ("tanh", nn.Tanh()), ("fc2", nn.Linear(6, 1, dtype: float64)));
        using (no_grad())
            foreach (var p in d.parameters()) p.copy_(randn(p.shape, dtype: float64, generator: gen));
        var x = randn([3, 1, 2, 6], dtype: float64, generator: gen);
        return (d, x);
    }

    static double Penalty(R1Penalty r1, nn.Module<Tensor, Tensor> d, Tensor x)
    {
        using var scope = NewDisposeScope();
        var xs = x.detach().clone().requires_grad_(true);
        return r1.Compute(xs, d.forward(xs).view(-1)).item<double>();
    }

    [Fact]
    public void The_value_matches_finite_difference_input_gradients()
    {
        var (d, x) = Setup();
        var r1 = new R1Penalty(gamma: 2.5, every: 4);
        double sum = 0;
        var flat = x.flatten();
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 12; i++)
            {
                double Output(double delta)
                {
                    using var _ = no_grad();
                    var xp = flat.clone();
                    xp[b * 12 + i] += delta;
                    return d.forward(xp.view(x.shape)).view(-1)[b].item<double>();
                }
                double g = (Output(H) - Output(-H)) / (2 * H);
                sum += g * g;
            }
        double expected = 2.5 / 2 * (sum / 3) * 4;
        double actual = Penalty(r1, d, x);
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * Math.Max(1, expected), $"R1 {actual} vs finite differences {expected}");
    }

    [Fact]
    public void Its_gradient_with_respect_to_D_s_weights_matches_finite_differences()
    {
        var (d, x) = Setup();
        var r1 = new R1Penalty(gamma: 1.0, every: 1);
        var weight = d.parameters().First(); // fc1.weight
        var xs = x.detach().clone().requires_grad_(true);
        r1.Compute(xs, d.forward(xs).view(-1)).backward();
        var analytic = weight.grad!.clone();
        for (int k = 0; k < 12; k += 5)
        {
            double Perturbed(double delta)
            {
                using (no_grad()) weight.view(-1)[k] += delta;
                double value = Penalty(r1, d, x);
                using (no_grad()) weight.view(-1)[k] -= delta;
                return value;
            }
            double numeric = (Perturbed(H) - Perturbed(-H)) / (2 * H);
            double a = analytic.view(-1)[k].item<double>();
            Assert.True(Math.Abs(a - numeric) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"dR1/dw[{k}] {a} vs finite differences {numeric}");
            Assert.True(Math.Abs(numeric) > 1e-6, "a weight the penalty does not depend on proves nothing");
        }
    }

    [Fact]
    public void Lazy_R1_is_due_every_n_steps_and_never_with_gamma_0()
    {
        var r1 = new R1Penalty(1, 4);
        Assert.Equal([4L, 8, 12], Enumerable.Range(1, 12).Select(i => (long)i).Where(r1.IsDue));
        Assert.DoesNotContain(Enumerable.Range(1, 12).Select(i => (long)i), new R1Penalty(0, 4).IsDue);
    }
}
