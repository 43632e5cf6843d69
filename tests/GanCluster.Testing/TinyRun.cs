namespace GanCluster.Testing;

/// <summary>Command-line settings for runs small enough for tests on a 2-core machine.</summary>
public static class TinyRun
{
    public static readonly string[] Args =
    [
        "--set", "batch_size=8", "--set", "data.limit=256", "--set", "model.resolution=16", "--set", "model.nz=8",
        "--set", "model.ngf=8", "--set", "model.ndf=8", "--set", "threads=1", "--set", "sample_every=2", "--set", "log_every=1",
    ];

    public static string TempDir(string prefix) => Directory.CreateTempSubdirectory(prefix).FullName;
}
