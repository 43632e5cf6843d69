using System.Text.Json;
using Xunit.Abstractions;
using Amazon.S3.Model;
using GanCluster.Core.Storage;
using GanCluster.Training.Data;

namespace GanCluster.Cli.Tests;

/// <summary>
/// `data.path: s3://bucket/prefix` end to end: real `gancluster` processes reading a folder dataset from a real
/// S3-compatible server (s3rver on 127.0.0.1, started here, logging each request so the GETs can be counted).
/// </summary>
public sealed class S3DatasetTests(ITestOutputHelper output) : IDisposable
{
    static readonly string[] Tiny = [.. TinyRun.Args, "--set", "sample_every=0", "--set", "collapse.enabled=false", "--set", "data.format=folder"];

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-s3-data-").FullName;
    readonly S3TestServer _server = S3TestServer.Start(logRequests: true);

    public void Dispose()
    {
        _server.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// <paramref name="count"/> noise PNGs written to a local folder and uploaded under <paramref name="prefix"/>, the
    /// same tree in both: a third in a subfolder, some with an upper-case extension, and a file that is no image.
    /// </summary>
    string Dataset(string prefix, int count)
    {
        string root = Path.Combine(_dir, prefix);
        using var client = S3Connection.Create(name => _server.Environment().GetValueOrDefault(name));
        void Put(string relative, byte[] bytes)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, relative))!);
            File.WriteAllBytes(Path.Combine(root, relative), bytes);
            S3Connection.Run(() => client.PutObjectAsync(new PutObjectRequest
                { BucketName = S3TestServer.Bucket, Key = $"{prefix}/{relative}", InputStream = new MemoryStream(bytes), UseChunkEncoding = false }));
        }
        var rng = new Random(count);
        for (int i = 0; i < count; i++)
        {
            var chw = new byte[3 * 20 * 20];
            rng.NextBytes(chw);
            Put(i % 3 == 0 ? $"sub/img-{i:D3}.png" : i % 5 == 0 ? $"IMG-{i:D3}.PNG" : $"img-{i:D3}.png", ImageOps.EncodePng(chw, 3, 20, 20));
        }
        Put("README.txt", "not an image"u8.ToArray());
        return root;
    }

    CliProcess.Result Run(string[] args, string accessKey = S3TestServer.AccessKey) =>
        CliProcess.Run(_dir, TimeSpan.FromMinutes(5), [.. args, .. Tiny], _server.Environment(accessKey));

    static IReadOnlyList<string> Losses(string runDir) => File.ReadLines(Path.Combine(runDir, "metrics.jsonl")).Select(line =>
    {
        using var row = JsonDocument.Parse(line);
        var r = row.RootElement;
        return $"{r.GetProperty("step")} {r.GetProperty("loss_d").GetRawText()} {r.GetProperty("loss_g").GetRawText()} {r.GetProperty("d_real").GetRawText()}";
    }).ToList();

    [Fact]
    public void The_same_images_train_identically_from_a_folder_and_from_the_bucket()
    {
        string folder = Dataset("same", 40);
        var disk = Run(["train", "--out", "disk", "--set", "steps=6", "--set", $"data.path={folder}"]);
        Assert.True(disk.ExitCode == 0, disk.ToString());
        var s3 = Run(["train", "--out", "s3", "--set", "steps=6", "--set", $"data.path={S3TestServer.Uri("same")}"]);
        Assert.True(s3.ExitCode == 0, s3.ToString());

        Assert.NotEmpty(_server.ObjectGets("same")); // the images did come from the bucket
        output.WriteLine($"{_server.ObjectGets("same").Count} image GETs for 6 steps of 8 over 40 images");
        Assert.DoesNotContain(_server.ObjectGets("same"), k => k.EndsWith(".txt", StringComparison.Ordinal));
        Assert.Equal(6, Losses(Path.Combine(_dir, "disk")).Count);
        Assert.Equal(Losses(Path.Combine(_dir, "disk")), Losses(Path.Combine(_dir, "s3")));
        foreach (string file in new[] { "generator.bin", "discriminator.bin" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "disk", "checkpoints", "step-000006", file)),
                File.ReadAllBytes(Path.Combine(_dir, "s3", "checkpoints", "step-000006", file)));
    }

    [Fact]
    public void Two_ranks_each_download_only_their_shard()
    {
        // 128 images; 2 ranks x 8 per step; 2 steps and 1 batch prefetched: the world reads at most 2 x 4 x 8 = 64 images
        // of the first epoch, where the ranks' shards are disjoint.
        Dataset("shards", 128);
        var r = Run(["local", "--workers", "2", "--out", "run", "--set", "cluster.min_workers=2", "--set", "steps=2", "--set", "data.prefetch=1",
            "--set", $"data.path={S3TestServer.Uri("shards")}"]);
        Assert.True(r.ExitCode == 0, r.ToString());

        var gets = _server.ObjectGets("shards");
        var twice = gets.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        output.WriteLine($"{gets.Count} image GETs by 2 ranks ({gets.Distinct().Count()} distinct) of 128 images");
        Assert.True(twice.Count == 0, $"downloaded more than once (by both ranks): {string.Join(", ", twice)}");
        Assert.InRange(gets.Count, 2 * 2 * 8, 2 * 4 * 8); // both ranks' shards of 2 steps, and nothing beyond what they read
    }

    [Fact]
    public void An_empty_prefix_and_wrong_credentials_are_one_line_and_exit_code_2()
    {
        Dataset("present", 20);
        var empty = Run(["train", "--out", "run-empty", "--set", "steps=2", "--set", $"data.path={S3TestServer.Uri("absent")}"]);
        Assert.True(empty.ExitCode == 2, empty.ToString());
        string line = Assert.Single(empty.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"data.path: expected PNG/JPEG images under '{S3TestServer.Uri("absent")}', found no objects", line);

        var denied = Run(["train", "--out", "run-denied", "--set", "steps=2", "--set", $"data.path={S3TestServer.Uri("present")}"], accessKey: "NOT-A-KEY");
        Assert.True(denied.ExitCode == 2, denied.ToString());
        line = Assert.Single(denied.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("data.path", line);
        Assert.Contains("403 InvalidAccessKeyId", line);
        Assert.Empty(_server.ObjectGets("present"));
    }
}
