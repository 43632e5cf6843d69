using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>
/// Copies the run-directory files this process writes (<see cref="RunLogFiles"/>) to PREFIX/run/ beside the
/// checkpoints, so that the run directory can be rebuilt from the bucket (`gancluster report s3://...`). The files stay
/// on local disk; an upload pass runs on a background task when asked (<see cref="Request"/>: after a checkpoint
/// commit), never on the training thread, and sends what changed since the last successful pass, each file whole.
/// Whole files keep the bucket's copy equal to the local one after a resume cut metrics.jsonl and events.jsonl back
/// (docs/fault-tolerance.md, "Everything dies"). A failed pass is a warning, and the next pass tries again: training
/// never fails because the bucket could not be reached.
/// </summary>
public sealed class RunLogUpload
{
    /// <summary>How long the run's end waits for its last upload before it gives up with a warning.</summary>
    public static readonly TimeSpan FinalWait = TimeSpan.FromSeconds(60);

    readonly RunLayout _layout;
    readonly S3Location _remote;
    readonly RunLogFiles _files;
    readonly Action<string> _warn;
    readonly Dictionary<string, (long Length, DateTime Written)> _sent = new(StringComparer.Ordinal); // by relative name
    readonly Lock _gate = new();
    Task _pass = Task.CompletedTask;
    bool _busy, _again, _failing;

    /// <param name="remote">the logs' prefix (<see cref="RunStorage.LogsOf"/>)</param>
    /// <param name="warn">where a failed pass is reported (the process's log)</param>
    public RunLogUpload(RunLayout layout, S3Location remote, RunLogFiles files, Action<string> warn)
    {
        (_layout, _remote, _files, _warn) = (layout, remote, files, warn);
    }

    public S3Location Remote => _remote;

    /// <summary>Starts an upload pass in the background, or another one after the pass in flight; returns at once.</summary>
    public void Request()
    {
        lock (_gate)
        {
            if (_busy)
            {
                _again = true;
                return;
            }
            _busy = true;
            _pass = Task.Run(Loop);
        }
    }

    /// <summary>
    /// The run's end: one more pass after everything written so far, waited for up to <paramref name="wait"/> (a
    /// server that does not answer must not keep the process from exiting; a warning says so).
    /// </summary>
    public void Flush(TimeSpan wait)
    {
        Request();
        Task pass;
        lock (_gate) pass = _pass;
        if (!pass.Wait(wait)) _warn($"warning: the run logs' last upload to {_remote} did not finish in {wait.TotalSeconds:0} s; the bucket's copy may be behind");
    }

    void Loop()
    {
        while (true)
        {
            Pass();
            lock (_gate)
            {
                if (!_again)
                {
                    _busy = false;
                    return;
                }
                _again = false;
            }
        }
    }

    void Pass()
    {
        try
        {
            foreach (var (name, path) in Owned())
            {
                var file = new FileInfo(path);
                if (!file.Exists) continue;
                var stamp = (file.Length, file.LastWriteTimeUtc);
                if (_sent.TryGetValue(name, out var sent) && sent == stamp) continue;
                byte[] bytes = ReadWhole(path, jsonl: name.EndsWith(".jsonl", StringComparison.Ordinal));
                Put(name, bytes);
                _sent[name] = stamp;
            }
            if (_failing) _warn($"run logs uploaded to {_remote} again");
            _failing = false;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
                                      or UnauthorizedAccessException or OperationCanceledException)
        {
            _failing = true;
            _warn($"warning: could not upload the run logs to {_remote} (tried again at the next checkpoint): " +
                  $"{(e as AmazonS3Exception)?.ErrorCode ?? e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>This process's files: (name under the logs' prefix, local path).</summary>
    IEnumerable<(string Name, string Path)> Owned()
    {
        if (_files.HasFlag(RunLogFiles.Spec)) yield return (RunLogNames.Spec, _layout.SpecFile);
        if (_files.HasFlag(RunLogFiles.Metrics)) yield return (RunLogNames.Metrics, _layout.MetricsFile);
        if (_files.HasFlag(RunLogFiles.Events)) yield return (RunLogNames.Events, _layout.EventsFile);
        if (_files.HasFlag(RunLogFiles.Samples) && Directory.Exists(_layout.SamplesDir))
            foreach (string png in Directory.GetFiles(_layout.SamplesDir, "*.png").Order(StringComparer.Ordinal))
                yield return ($"{RunLogNames.Samples}/{Path.GetFileName(png)}", png);
    }

    /// <summary>The file's bytes; of a JSONL file only whole lines (a line being appended now goes with the next pass).</summary>
    static byte[] ReadWhole(string path, bool jsonl)
    {
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        if (!jsonl) return bytes;
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        return end == bytes.Length ? bytes : bytes[..end];
    }

    /// <summary>Removes an earlier run's logs under <paramref name="logs"/> (a fresh run in a prefix without checkpoints).</summary>
    public static void DeleteAll(S3Location logs)
    {
        foreach (var o in S3Connection.ListAll(logs)) S3Connection.Run(() => S3Connection.Client.DeleteObjectAsync(logs.Bucket, o.Key));
    }

    void Put(string name, byte[] bytes) => S3Connection.Run(() => S3Connection.Client.PutObjectAsync(new PutObjectRequest
    {
        BucketName = _remote.Bucket,
        Key = _remote.Key(name),
        InputStream = new MemoryStream(bytes, writable: false),
        UseChunkEncoding = false,
        AutoCloseStream = true,
    }));
}
