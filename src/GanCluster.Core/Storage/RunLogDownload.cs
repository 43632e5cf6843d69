using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>
/// Reading back what <see cref="RunLogUpload"/> put under PREFIX/run/: the whole run directory (for
/// `gancluster report s3://...`), or one log that a process about to write it lacks on its own disk (a new rank 0 or a
/// replacement coordinator in another pod: it continues the bucket's file instead of starting an empty one, which
/// its next upload would put over the run's history).
/// </summary>
public static class RunLogDownload
{
    /// <summary>Downloads every log under <paramref name="logs"/> into <paramref name="folder"/>; returns how many files.</summary>
    public static int To(S3Location logs, string folder)
    {
        string root = logs.Key("");
        string full = Path.GetFullPath(folder);
        int count = 0;
        foreach (var o in S3Connection.ListAll(logs))
        {
            string relative = o.Key[root.Length..];
            if (!IsLogName(relative)) continue; // only the run directory's own files, never a path out of the folder
            string target = Path.Combine(full, relative.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, Get(logs.Bucket, o.Key) ?? []);
            count++;
        }
        return count;
    }

    /// <summary>
    /// Before this process opens the JSONL log <paramref name="name"/> at <paramref name="path"/> to continue the run
    /// from step <paramref name="continueFrom"/>: a local file that does not reach that step lacks part of the run's
    /// history (there is none: another pod, another machine; or it is stale: this node wrote it in an earlier world), so
    /// it becomes the bucket's copy when that reaches a later step. A local file that reaches the step is the run's own
    /// and stays (after a rollback the bucket may hold abandoned later steps). A bucket that cannot be read is a warning.
    /// </summary>
    public static void ContinueNewer(S3Location logs, string name, string path, long continueFrom, Action<string> warn)
    {
        try
        {
            long local = JsonlWriter.LastStep(path); // -1 without a file
            if (local >= continueFrom && File.Exists(path)) return;
            if (Get(logs.Bucket, logs.Key(name)) is not { } bytes) return;
            string remote = $"{path}.bucket-{Environment.ProcessId}-{Guid.NewGuid():N}";
            File.WriteAllBytes(remote, bytes);
            if (JsonlWriter.LastStep(remote) > local) File.Move(remote, path, overwrite: true);
            else File.Delete(remote);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            warn($"warning: could not read {logs.Child(name)} ({e.Message.ReplaceLineEndings(" ")}); {name} continues from the local file");
        }
    }

    /// <summary>The object's bytes, or null when it does not exist.</summary>
    static byte[]? Get(string bucket, string key)
    {
        try
        {
            using var response = S3Connection.Run(() => S3Connection.Client.GetObjectAsync(bucket, key));
            using var copy = new MemoryStream();
            response.ResponseStream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (AmazonS3Exception e) when (S3Connection.IsNotFound(e))
        {
            return null;
        }
    }

    static bool IsLogName(string relative) => relative is RunLogNames.Metrics or RunLogNames.Events or RunLogNames.Spec
        || (relative.StartsWith(RunLogNames.Samples + "/", StringComparison.Ordinal) && relative.Count(c => c == '/') == 1
            && relative.EndsWith(".png", StringComparison.Ordinal) && !relative.Contains("..", StringComparison.Ordinal));
}
