namespace GanCluster.Cli.Tests;

/// <summary>
/// A cluster run (`gancluster local`: a coordinator and 2 trainer processes) with checkpoint.uri in S3: the world fence
/// lives in the bucket too. On a server with conditional writes the run checkpoints and resumes from the bucket (the
/// coordinator names an s3:// checkpoint in the world it forms, and the trainers accept and load it); on one without
/// them (plain s3rver) the coordinator refuses to start, exit 2, rather than keep an unsafe fence.
/// </summary>
public sealed class S3ClusterCheckpointTests : IDisposable
{
    static readonly string[] Tiny = [.. TinyRun.Args, "--set", "sample_every=0", "--set", "log_every=5"];

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-s3-local-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    static CliProcess.Result Local(string dir, S3TestServer server, string uri, params string[] args) =>
        CliProcess.Run(dir, TimeSpan.FromMinutes(5),
            ["local", "--workers", "2", "--out", "run", "--set", "checkpoint.every=10", "--set", $"checkpoint.uri={uri}", .. args, .. Tiny],
            server.Environment());

    [Fact]
    public void A_cluster_run_checkpoints_to_the_bucket_and_resumes_from_it()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        string uri = S3TestServer.Uri("cluster/a");

        var first = Local(_dir, server, uri, "--set", "steps=20");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("cluster/a/checkpoints/step-000020/manifest.json", server.Keys("cluster/a"));
        Assert.Contains("cluster/a/world-epoch", server.Keys("cluster/a"));

        var resumed = Local(_dir, server, uri, "--resume", "--set", "steps=30");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"{uri}/checkpoints/step-000020", resumed.Stdout + resumed.Stderr);
        Assert.Contains("cluster/a/checkpoints/step-000030/manifest.json", server.Keys("cluster/a"));
        Assert.DoesNotContain("bad_checkpoint_path", resumed.Stdout + resumed.Stderr);
    }

    [Fact]
    public void Without_conditional_writes_a_cluster_run_is_refused()
    {
        using var server = S3TestServer.Start(conditionalWrites: false);
        var r = Local(_dir, server, S3TestServer.Uri("cluster/b"), "--set", "steps=20");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("ignores conditional writes", r.Stdout + r.Stderr);
        Assert.DoesNotContain(server.Keys("cluster/b"), k => k.Contains("/checkpoints/"));
    }
}
