using GanCluster.Training.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Tensors;

public class SafeAdamTests
{
    [Fact]
    public void SafeAdam_matches_torchsharp_adam_bit_for_bit_and_skips_parameters_without_gradients()
    {
        using var gen = new Generator(11);
        var a = new[] { new Parameter(randn(new long[] { 5, 3 }, generator: gen)), new Parameter(randn(new long[] { 4 }, generator: gen)) };
        var b = a.Select(p => new Parameter(p.detach().clone())).ToArray();
        using var reference = optim.Adam(a, 1e-2, 0.0, 0.99);
        using var safe = new SafeAdam(b, 1e-2, 0.0, 0.99);
        for (int step = 0; step < 5; step++)
        {
            var grads = a.Select(p => randn(p.shape, generator: gen)).ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                bool active = i == 0 || step % 2 == 0;
                a[i].grad = active ? grads[i].clone() : null;
                b[i].grad = active ? grads[i].clone() : null;
            }
            reference.step();
            safe.step();
            for (int i = 0; i < a.Length; i++)
                Assert.True(a[i].eq(b[i]).all().item<bool>(), $"step {step}, parameter {i}");
        }
        var sa = reference.state_dict().State.Cast<Adam.State>().ToList();
        var sb = safe.state_dict().State.Cast<Adam.State>().ToList();
        Assert.Equal(sa.Select(s => s.step), sb.Select(s => s.step));
        Assert.Equal([5L, 3L], sb.Select(s => s.step));
    }

    [Fact]
    public void Scalar_ops_compute_what_the_operators_compute()
    {
        using var scope = NewDisposeScope();
        var x = randn(3, 4);
        Assert.True((x * 0.3).eq(x.Times(0.3)).all().item<bool>());
        Assert.True((x + 1e-8).eq(x.Plus(1e-8)).all().item<bool>());
        Assert.True((1.0 - x).eq(ScalarOps.Minus(1.0, x)).all().item<bool>());
        Assert.True((x / 7.0).eq(x.DividedBy(7.0)).all().item<bool>());
        Assert.True(nn.functional.leaky_relu(x, 0.2).eq(x.LeakyRelu(0.2)).all().item<bool>());
        Assert.True(x.clamp(-0.5, 0.5).eq(x.ClampTo(-0.5, 0.5)).all().item<bool>());
    }
}
