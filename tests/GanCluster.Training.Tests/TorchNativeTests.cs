using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests;

/// <summary>The build's native fix (build/FixTorchNative.cs) makes TorchSharp load on this host.</summary>
public class TorchNativeTests
{
    [Fact]
    public void A_tensor_op_runs()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a * 2 + 1;
        Assert.Equal(new float[] { 3, 5, 7 }, b.data<float>().ToArray());
    }
}
