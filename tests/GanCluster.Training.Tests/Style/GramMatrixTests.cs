using GanCluster.Training.Style;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Style;

public class GramMatrixTests
{
    [Fact]
    public void Matches_a_hand_computation()
    {
        using var scope = NewDisposeScope();
        // Two channels over a 2x2 map: F = [[1, 2, 3, 4], [0, 1, 1, 0]].
        var features = tensor(new float[] { 1, 2, 3, 4, 0, 1, 1, 0 }).view(1, 2, 2, 2);
        // F Fᵀ = [[1+4+9+16, 0+2+3+0], [5, 0+1+1+0]] = [[30, 5], [5, 2]], divided by C*H*W = 8.
        var expected = new float[] { 3.75f, 0.625f, 0.625f, 0.25f };
        var gram = GramMatrix.Of(features);
        Assert.Equal(new long[] { 1, 2, 2 }, gram.shape);
        Assert.Equal(expected, gram.data<float>().ToArray());
    }

    [Fact]
    public void Ignores_where_features_are()
    {
        using var scope = NewDisposeScope();
        var features = randn(1, 3, 4, 5);
        var shuffled = features.flatten(2).index_select(2, randperm(20)).view(1, 3, 4, 5);
        Assert.True(GramMatrix.Of(features).allclose(GramMatrix.Of(shuffled), rtol: 1e-5, atol: 1e-6));
    }
}
