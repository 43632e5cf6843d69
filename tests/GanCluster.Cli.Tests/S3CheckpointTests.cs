using System.Diagnostics;
using Amazon.S3.Model;
using GanCluster.Core.Storage;

namespace GanCluster.Cli.Tests;

/// <summary>
/// `checkpoint.uri: s3://...` end to end: real `gancluster train` processes against a real S3-compatible server
/// (s3rver on 127.0.0.1, started here): write, list, resume, a corrupted object skipped, an uploader killed in the middle
/// of a checkpoint (its partial upload is never loaded), and wrong credentials (exit 2, one line).
/// </summary>
public sealed class S3CheckpointTests : IDisposable
{
    static readonly string[] Tiny = [.. TinyRun.Args, "--set", "sample_every=0"];

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-s3-train-").FullName;
    readonly S3TestServer _server = S3TestServer.Start();

    public void Dispose()
    {
        _server.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    CliProcess.Result Train(params string[] args) =>
        CliProcess.Run(_dir, TimeSpan.FromMinutes(5), ["train", .. args, .. Tiny], _server.Environment());

    IReadOnlyList<long> Committed(string prefix) => _server.Keys(prefix + "/checkpoints")
        .Where(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))
        .Select(k => long.Parse(k.Split('/')[^2]["step-".Length..])).Order().ToList();

    [Fact]
    public void Checkpoints_go_to_the_bucket_and_a_resume_skips_a_corrupted_one()
    {
        string uri = S3TestServer.Uri("runs/a");
        var first = Train("--out", "run", "--set", "steps=6", "--set", "checkpoint.every=2", "--set", $"checkpoint.uri={uri}");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal([2L, 4, 6], Committed("runs/a"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "run", "checkpoints"))); // nothing on the local disk

        // One object of the newest checkpoint is replaced by other bytes of the same size.
        using (_server.UseInProcess())
        {
            string key = "runs/a/checkpoints/step-000006/generator.bin";
            byte[] bytes = File.ReadAllBytes(_server.ObjectFile(key));
            bytes[bytes.Length / 2] ^= 0xff;
            S3Connection.Run(() => S3Connection.Client.PutObjectAsync(new PutObjectRequest
                { BucketName = S3TestServer.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false }));
        }

        var resumed = Train("--resume", "--out", "run", "--set", "steps=8", "--set", "checkpoint.every=2", "--set", $"checkpoint.uri={uri}");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        string output = resumed.Stdout + resumed.Stderr;
        Assert.Contains("checkpoint step-000006 skipped: generator.bin fails its SHA-256 checksum", output);
        Assert.Contains($"resuming from {uri}/checkpoints/step-000004", output);
        Assert.Contains("checkpoint_skipped", File.ReadAllText(Path.Combine(_dir, "run", "events.jsonl")));
        Assert.Equal([4L, 6, 8], Committed("runs/a")); // step 6 trained again and re-committed; keep 3

        var sample = CliProcess.Run(_dir, TimeSpan.FromMinutes(2), ["sample", "--checkpoint", uri, "--count", "4", "--out", "grid.png"], _server.Environment());
        Assert.True(sample.ExitCode == 0, sample.ToString());
    }

    [Fact]
    public void An_uploader_killed_mid_checkpoint_leaves_nothing_that_is_loaded()
    {
        // Every step is a checkpoint, so the background uploader is nearly always in the middle of one; the test
        // kills the trainer (SIGKILL) the moment it sees a step with objects but no manifest yet.
        for (int attempt = 1; ; attempt++)
        {
            string prefix = $"runs/kill-{attempt}";
            string uri = S3TestServer.Uri(prefix);
            string run = $"run-kill-{attempt}";
            long partial = KillDuringUpload(run, uri, prefix);
            var committed = Committed(prefix);
            if (partial < 0 || committed.Count == 0 || committed[^1] > partial)
            {
                Assert.True(attempt < 5, $"no kill landed in the middle of an upload in {attempt} tries");
                continue;
            }
            Assert.Contains(_server.Keys(prefix + "/checkpoints"), k => k.Contains($"/step-{partial:D6}/", StringComparison.Ordinal));
            long newest = committed[^1];
            var resumed = Train("--resume", "--out", run, "--set", $"steps={partial + 1}", "--set", "checkpoint.every=1", "--set", $"checkpoint.uri={uri}");
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            string output = resumed.Stdout + resumed.Stderr;
            Assert.Contains($"resuming from {uri}/checkpoints/step-{newest:D6}", output);
            Assert.DoesNotContain("skipped", output); // the partial upload was never a candidate
            return;
        }
    }

    /// <summary>Starts a long run, kills it while a checkpoint's objects are uploaded but not its manifest; returns that step (-1: missed).</summary>
    long KillDuringUpload(string run, string uri, string prefix)
    {
        var psi = CliProcess.StartInfo(_dir, ["train", "--out", run, "--set", "steps=100000", "--set", "checkpoint.every=1",
            "--set", "checkpoint.keep=3", "--set", $"checkpoint.uri={uri}", .. Tiny, "--set", "log_every=1000"], _server.Environment());
        using var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        try
        {
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                var steps = _server.Keys(prefix + "/checkpoints").GroupBy(k => k.Split('/')[^2]).ToList();
                var partial = steps.Where(g => g.Count() >= 2 && !g.Any(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))).ToList();
                if (steps.Any(g => g.Any(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))) && partial.Count > 0)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    // The state now is final: a step the manifest reached after all is no partial one.
                    var folders = _server.Keys(prefix + "/checkpoints").GroupBy(k => k.Split('/')[^2]);
                    var left = folders.Where(g => !g.Any(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))).Select(g => long.Parse(g.Key["step-".Length..]));
                    return left.DefaultIfEmpty(-1).Max();
                }
                Thread.Sleep(2);
            }
            return -1;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Wrong_credentials_are_one_line_and_exit_code_2()
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(2),
            ["train", "--out", "run-bad", "--set", "steps=2", "--set", $"checkpoint.uri={S3TestServer.Uri("runs/bad")}", .. Tiny],
            _server.Environment(accessKey: "NOT-A-KEY"));
        Assert.True(r.ExitCode == 2, r.ToString());
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("checkpoint.uri", line);
        Assert.Contains("403 InvalidAccessKeyId", line);
        Assert.Empty(_server.Keys("runs/bad"));
    }
}
