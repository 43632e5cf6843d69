using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>SafeBatchNorm2d must be TorchSharp's BatchNorm2d with a GC-safe counter: same outputs, statistics and keys.</summary>
public class SafeBatchNorm2dTests
{
    [Fact]
    public void It_computes_what_torchsharps_batchnorm_computes_in_training_and_in_eval()
    {
        using var scope = NewDisposeScope();
        using var reference = nn.BatchNorm2d(3);
        using var safe = new SafeBatchNorm2d(3);
        manual_seed(5);
        using (no_grad())
        {
            reference.weight!.normal_(1.0, 0.02);
            safe.get_parameter("weight")!.copy_(reference.weight);
        }
        for (int step = 0; step < 3; step++)
        {
            var x = randn(4, 3, 5, 5) * (step + 1) + step;
            Assert.True(reference.forward(x).allclose(safe.forward(x), rtol: 1e-5, atol: 1e-6));
        }
        Assert.True(reference.running_mean!.allclose(safe.get_buffer("running_mean")!, rtol: 1e-5, atol: 1e-6));
        Assert.True(reference.running_var!.allclose(safe.get_buffer("running_var")!, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(3L, safe.get_buffer("num_batches_tracked")!.item<long>());
        Assert.Equal(reference.num_batches_tracked!.item<long>(), safe.get_buffer("num_batches_tracked")!.item<long>());

        reference.eval();
        safe.eval();
        var y = randn(2, 3, 5, 5);
        Assert.True(reference.forward(y).allclose(safe.forward(y), rtol: 1e-5, atol: 1e-6));
        Assert.Equal(3L, safe.get_buffer("num_batches_tracked")!.item<long>()); // eval does not count
    }

    [Fact]
    public void Its_state_dict_has_pytorchs_keys_in_pytorchs_order()
    {
        using var reference = nn.BatchNorm2d(2);
        using var safe = new SafeBatchNorm2d(2);
        Assert.Equal(reference.state_dict().Keys.ToList(), safe.state_dict().Keys.ToList());
        Assert.Equal(["weight", "bias"], safe.named_parameters().Select(p => p.name).ToList());
    }
}
