using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Spec;

/// <summary>data.path: s3://... for folder datasets, and the local cache's fields.</summary>
public class S3DataSpecTests
{
    [Fact]
    public void An_s3_folder_dataset_is_kept_as_given_even_in_a_spec_file()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        string file = Path.Combine(dir, "run.yaml");
        File.WriteAllText(file, "data: { format: folder, path: s3://images/faces/train, cache_mib: 64, cache_dir: cache }");
        var spec = RunSpecLoader.LoadFile(file);
        Assert.Equal("s3://images/faces/train", spec.Data.Path); // not resolved as a relative file path
        Assert.Equal(64, spec.Data.CacheMib);
        Assert.Equal(Path.Combine(dir, "cache"), spec.Data.CacheDir);
    }

    [Theory]
    [InlineData("data: { format: idx, path: s3://images/digits.idx }", "data.path", "s3:// is for format folder")]
    [InlineData("data: { format: folder, path: s3://Images/faces }", "data.path", "a bucket name of 3-63 lowercase letters")]
    [InlineData("data: { format: folder, path: s3://images/a//b }", "data.path", "a prefix without empty")]
    [InlineData("data: { format: folder, path: s3://images/faces, cache_mib: 0 }", "data.cache_mib", "1")]
    [InlineData("data: { format: folder, path: s3://images/faces, cache_dir: s3://images/cache }", "data.cache_dir", "a local folder")]
    public void Bad_s3_data_fields_are_one_problem_each(string yaml, string field, string expected)
    {
        var e = Assert.Throws<SpecException>(() => RunSpecLoader.Parse(yaml));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(field, problem.Path);
        Assert.Contains(expected, problem.Expected);
    }

    [Fact]
    public void The_local_cache_does_not_define_training()
    {
        var before = RunSpecLoader.Parse("data: { format: folder, path: s3://images/faces }");
        var after = RunSpecLoader.Parse("data: { format: folder, path: s3://images/faces, cache_mib: 64, cache_dir: /scratch }");
        Assert.Empty(SpecDiff.TrainingDifferences(before, after)); // a resume on another node may size its cache differently
        Assert.Equal(SpecDiff.Hash(before), SpecDiff.Hash(after));
    }
}
