using GanCluster.Core.Spec;

namespace GanCluster.Training.Tests;

/// <summary>Run specs small enough for tests on a 2-core machine.</summary>
public static class TinySpecs
{
    public static RunSpec Dcgan(params string[] overrides) => RunSpecLoader.Parse("""
        seed: 3
        steps: 4
        batch_size: 8
        data: { format: embedded, limit: 256 }
        model: { arch: dcgan, resolution: 16, channels: 1, nz: 8, ngf: 8, ndf: 8 }
        sample_every: 0
        log_every: 1
        threads: 1
        checkpoint: { every: 0, keep: 5 }
        """, overrides);

    public static string TempDir(string prefix = "run-") => Directory.CreateTempSubdirectory(prefix).FullName;
}
