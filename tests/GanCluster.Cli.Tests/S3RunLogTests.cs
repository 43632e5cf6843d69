using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.S3.Model;
using GanCluster.Core.Runs;
using GanCluster.Core.Storage;

namespace GanCluster.Cli.Tests;

/// <summary>
/// The run's logs beside its S3 checkpoints (PREFIX/run/): real `gancluster train` and `local` processes against a real
/// S3-compatible server (s3rver, started here). `report s3://...` renders the page `report RUN_DIR` renders; the
/// bucket's copies equal the local files after a resume cut them back (also when the resume runs in an empty folder,
/// which continues the bucket's logs); a cluster's coordinator and rank 0 upload their own files; an S3 server that
/// dies during the run does not fail training (a warning says so).
/// </summary>
public sealed class S3RunLogTests : IDisposable
{
    static readonly string[] Tiny = TinyRun.Args;

    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-s3-logs-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    CliProcess.Result Cli(S3TestServer server, params string[] args) =>
        CliProcess.Run(_dir, TimeSpan.FromMinutes(5), args, server.Environment());

    static string Local(string run, string file) => File.ReadAllText(Path.Combine(run, file));

    static string Uploaded(S3TestServer server, string key) => File.ReadAllText(server.ObjectFile(key));

    static List<long> Steps(string metrics) =>
        metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<long>()).ToList();

    /// <summary>The page without its meta line (where it was read from, when it was generated).</summary>
    static string Content(string html) => Regex.Replace(html, "<p class=\"meta\">[^\n]*</p>", "");

    [Fact]
    public void Report_of_the_bucket_is_the_report_of_the_run_directory()
    {
        using var server = S3TestServer.Start();
        string uri = S3TestServer.Uri("runs/run"); // named as the folder, so both pages title the run "run"
        var train = Cli(server, ["train", "--out", "run", "--set", "steps=6", "--set", "checkpoint.every=2", "--set", $"checkpoint.uri={uri}", .. Tiny]);
        Assert.True(train.ExitCode == 0, train.ToString());
        string run = Path.Combine(_dir, "run");
        Assert.Equal(Local(run, "metrics.jsonl"), Uploaded(server, "runs/run/run/metrics.jsonl"));
        Assert.Equal(Local(run, "events.jsonl"), Uploaded(server, "runs/run/run/events.jsonl"));
        Assert.Equal(Local(run, "run.yaml"), Uploaded(server, "runs/run/run/run.yaml"));
        Assert.Equal(["runs/run/run/samples/step-000002.png", "runs/run/run/samples/step-000004.png", "runs/run/run/samples/step-000006.png"],
            server.Keys("runs/run/run/samples"));

        var local = Cli(server, "report", "run");
        Assert.True(local.ExitCode == 0, local.ToString());
        var remote = Cli(server, "report", uri, "--out", "remote/report.html");
        Assert.True(remote.ExitCode == 0, remote.ToString());
        Assert.Equal(Path.Combine(_dir, "remote", "report.html"), remote.Stdout.Trim());
        string fromDisk = File.ReadAllText(Path.Combine(run, "report.html"));
        string fromBucket = File.ReadAllText(Path.Combine(_dir, "remote", "report.html"));
        Assert.Contains($"<p class=\"meta\">{uri} · generated", fromBucket);
        Assert.Contains("<tr id=\"summary-steps\" data-value=\"6\"", fromBucket);
        Assert.Contains("data-step=\"6\"", fromBucket); // the newest sample grid came from the bucket
        Assert.Equal(Content(fromDisk), Content(fromBucket)); // summary, charts, samples, events, run.yaml
        foreach (string png in Directory.GetFiles(Path.Combine(run, "report-plots")))
            Assert.Equal(File.ReadAllBytes(png), File.ReadAllBytes(Path.Combine(_dir, "remote", "report-plots", Path.GetFileName(png))));
    }

    [Fact]
    public void A_resume_in_an_empty_folder_continues_the_bucket_logs_and_keeps_them_equal()
    {
        using var server = S3TestServer.Start();
        string uri = S3TestServer.Uri("runs/resume");
        var first = Cli(server, ["train", "--out", "run", "--set", "steps=6", "--set", "checkpoint.every=2", "--set", $"checkpoint.uri={uri}", .. Tiny]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal([1L, 2, 3, 4, 5, 6], Steps(Uploaded(server, "runs/resume/run/metrics.jsonl")));

        // The newest checkpoint is corrupted, so the resume continues from step 4 and cuts the logs back to it.
        using (server.UseInProcess())
        {
            string key = "runs/resume/checkpoints/step-000006/generator.bin";
            byte[] bytes = File.ReadAllBytes(server.ObjectFile(key));
            bytes[bytes.Length / 2] ^= 0xff;
            S3Connection.Run(() => S3Connection.Client.PutObjectAsync(new PutObjectRequest
                { BucketName = S3TestServer.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false }));
        }

        // Another machine: a folder that has none of the run's files.
        var resumed = Cli(server, ["train", "--resume", "--out", "elsewhere", "--set", "steps=8", "--set", "checkpoint.every=2", "--set", $"checkpoint.uri={uri}", .. Tiny]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"resuming from {uri}/checkpoints/step-000004", resumed.Stdout + resumed.Stderr);
        string elsewhere = Path.Combine(_dir, "elsewhere");
        string metrics = Local(elsewhere, "metrics.jsonl");
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8], Steps(metrics)); // rows 1-4 from the bucket, 5-8 trained again
        Assert.Equal(metrics, Uploaded(server, "runs/resume/run/metrics.jsonl"));
        string events = Local(elsewhere, "events.jsonl");
        Assert.Contains("checkpoint_skipped", events);
        Assert.Contains("\"kind\":\"run_started\"", events); // the first run's, from the bucket
        Assert.Contains("\"kind\":\"run_resumed\"", events);
        Assert.Equal(events, Uploaded(server, "runs/resume/run/events.jsonl"));
    }

    [Fact]
    public void A_cluster_run_uploads_the_coordinators_and_rank_zeros_logs()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        string uri = S3TestServer.Uri("cluster/logs");
        var r = Cli(server, ["local", "--workers", "2", "--out", "run", "--set", "steps=20", "--set", "checkpoint.every=10",
            "--set", $"checkpoint.uri={uri}", .. Tiny, "--set", "sample_every=10", "--set", "log_every=5"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string run = Path.Combine(_dir, "run");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), Steps(Uploaded(server, "cluster/logs/run/metrics.jsonl")));
        Assert.Equal(Local(run, "metrics.jsonl"), Uploaded(server, "cluster/logs/run/metrics.jsonl")); // rank 0's
        Assert.Equal(Local(run, "events.jsonl"), Uploaded(server, "cluster/logs/run/events.jsonl"));   // the coordinator's
        Assert.Contains("\"kind\":\"run_complete\"", Uploaded(server, "cluster/logs/run/events.jsonl"));
        Assert.Equal(Local(run, "run.yaml"), Uploaded(server, "cluster/logs/run/run.yaml"));
        Assert.Contains("cluster/logs/run/samples/step-000020.png", server.Keys("cluster/logs/run/samples"));
    }

    [Fact]
    public async Task A_dead_S3_server_does_not_fail_training()
    {
        const int steps = 400;
        var server = S3TestServer.Start();
        bool serverUp = true;
        string run = Path.Combine(_dir, "run");
        long stepAtKill;
        CliProcess.Result result;
        var psi = CliProcess.StartInfo(_dir, ["train", "--out", "run", "--set", $"steps={steps}", "--set", "checkpoint.every=50",
            "--set", $"checkpoint.uri={S3TestServer.Uri("runs/dead")}", .. Tiny, "--set", "sample_every=50", "--set", "log_every=1000"], server.Environment());
        using (var process = Process.Start(psi)!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                // The first checkpoint's upload of the logs reached the server: kill it.
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
                while (!server.Keys("runs/dead/run").Contains("runs/dead/run/metrics.jsonl") && !process.HasExited && DateTime.UtcNow < deadline)
                    Thread.Sleep(20);
                stepAtKill = JsonlWriter.LastStep(Path.Combine(run, "metrics.jsonl"));
                server.Dispose();
                serverUp = false;
                Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the run did not end");
                result = new CliProcess.Result(process.ExitCode, await stdout, await stderr);
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                if (serverUp) server.Dispose();
            }
        }
        Assert.True(stepAtKill is > 0 and < steps, $"the server was killed at step {stepAtKill}, not during the run\n{result}");
        Assert.True(result.ExitCode == 0, result.ToString());
        string output = result.Stdout + result.Stderr;
        Assert.Contains("warning: could not upload the run logs to s3://gancluster-test/runs/dead/run", output);
        Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), Steps(Local(run, "metrics.jsonl")));
        Assert.Contains("\"kind\":\"run_finished\"", Local(run, "events.jsonl"));
    }

    [Fact]
    public void Report_of_a_prefix_without_logs_or_with_wrong_credentials_is_one_line_and_exit_code_2()
    {
        using var server = S3TestServer.Start();
        var empty = Cli(server, "report", S3TestServer.Uri("runs/nothing"));
        Assert.True(empty.ExitCode == 2, empty.ToString());
        string line = Assert.Single(empty.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("RUN_DIR", line);
        Assert.Contains("no run logs there", line);

        var denied = CliProcess.Run(_dir, TimeSpan.FromMinutes(2), ["report", S3TestServer.Uri("runs/nothing")], server.Environment(accessKey: "NOT-A-KEY"));
        Assert.True(denied.ExitCode == 2, denied.ToString());
        line = Assert.Single(denied.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("RUN_DIR", line);
        Assert.Contains("403 InvalidAccessKeyId", line);
    }
}
