using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

public class SpecDiffTests
{
    [Fact]
    public void Steps_and_cadence_do_not_change_the_hash_but_the_model_does()
    {
        var a = RunSpecLoader.Parse("steps: 10");
        var b = RunSpecLoader.Parse("steps: 20\nsample_every: 7\ncheckpoint: { every: 3 }");
        var c = RunSpecLoader.Parse("steps: 10\nmodel: { ngf: 8 }");
        Assert.Equal(SpecDiff.Hash(a), SpecDiff.Hash(b));
        Assert.NotEqual(SpecDiff.Hash(a), SpecDiff.Hash(c));
        var diff = Assert.Single(SpecDiff.TrainingDifferences(a, c));
        Assert.Equal("model.ngf", diff.Path);
        Assert.Equal("64", diff.Before);
        Assert.Equal("8", diff.After);
    }
}
