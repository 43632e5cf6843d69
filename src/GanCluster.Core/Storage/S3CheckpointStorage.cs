using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>
/// Checkpoints as objects under s3://bucket/prefix/checkpoints/step-NNNNNN/: the files first, the manifest last. The
/// manifest is the commit marker: only a step whose manifest.json exists is listed, so an upload that died midway is
/// never a candidate; a reader verifies every file against the manifest's size and SHA-256 from the one GET it makes.
/// Objects cannot be renamed, so a re-committed step first takes its old manifest away (un-publishes it).
/// </summary>
public sealed class S3CheckpointStorage(S3Location location) : ICheckpointStorage
{
    public string Location => location.ToString();

    IAmazonS3 Client => S3Connection.Client;

    public string PathOf(long step) => location.Child(RunLayout.StepName(step)).ToString();

    public IReadOnlyList<(long Step, string Path)> List() =>
        Objects().Where(o => o.Name == CheckpointManifest.FileName).Select(o => o.Step).Distinct()
            .OrderDescending().Select(s => (s, PathOf(s))).ToList();

    /// <summary>Every object under the checkpoints prefix that lies in a step folder: (step, file name, object).</summary>
    IEnumerable<(long Step, string Name, S3Object Object)> Objects()
    {
        string root = location.Key("");
        foreach (var o in S3Connection.ListAll(location, list => Call(list, "list")))
        {
            string[] parts = o.Key[root.Length..].Split('/');
            if (parts.Length == 2 && RunLayout.TryParseStepName(parts[0], out long step)) yield return (step, parts[1], o);
        }
    }

    public ICheckpointWrite Begin(long step) => new Write(this, location.Child(RunLayout.StepName(step)));

    public byte[] ReadFile(string checkpointPath, string name, long? declared, int limit)
    {
        var folder = S3Location.Parse(checkpointPath);
        GetObjectResponse response;
        try
        {
            response = S3Connection.Run(() => Client.GetObjectAsync(folder.Bucket, folder.Key(name)));
        }
        catch (AmazonS3Exception e) when (S3Connection.IsNotFound(e))
        {
            throw new FileNotFoundException($"{folder.Key(name)} does not exist", name, e);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Unavailable("read " + folder.Key(name), e);
        }
        using (response)
        {
            if (declared is { } expected && response.ContentLength != expected) // before allocating what the manifest claims
                throw new InvalidCheckpointException(checkpointPath, $"{name} has {response.ContentLength} bytes, manifest says {expected}");
            try
            {
                return ObjectRead.Bounded(response.ResponseStream, checkpointPath, name, declared, limit, response.ContentLength);
            }
            catch (IOException e)
            {
                throw Unavailable("read " + folder.Key(name), e);
            }
        }
    }

    public void Delete(string checkpointPath)
    {
        var folder = S3Location.Parse(checkpointPath);
        string step = folder.Split().Name;
        var keys = Objects().Where(o => o.Object.Key.StartsWith(folder.Key(""), StringComparison.Ordinal)).Select(o => o.Object.Key).ToList();
        // The manifest first: from then on no reader takes the rest for a checkpoint.
        DeleteKeys(keys.OrderBy(k => k.EndsWith("/" + CheckpointManifest.FileName, StringComparison.Ordinal) ? 0 : 1), step);
    }

    public void RemoveAbandoned(TimeSpan age)
    {
        foreach (var folder in Objects().GroupBy(o => o.Step))
        {
            if (folder.Any(o => o.Name == CheckpointManifest.FileName)) continue;
            if (folder.All(o => DateTime.UtcNow - (o.Object.LastModified ?? DateTime.UtcNow).ToUniversalTime() > age))
                DeleteKeys(folder.Select(o => o.Object.Key), RunLayout.StepName(folder.Key));
        }
    }

    void DeleteKeys(IEnumerable<string> keys, string what)
    {
        foreach (string key in keys) Call(() => Client.DeleteObjectAsync(location.Bucket, key), $"delete {what}");
    }

    void Put(string key, byte[] bytes) => Call(() => Client.PutObjectAsync(new PutObjectRequest
    {
        BucketName = location.Bucket,
        Key = key,
        InputStream = new MemoryStream(bytes, writable: false),
        UseChunkEncoding = false,
        AutoCloseStream = true,
    }), "write " + key);

    T Call<T>(Func<Task<T>> call, string what)
    {
        try { return S3Connection.Run(call); }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Unavailable(what, e);
        }
    }

    StorageUnavailableException Unavailable(string what, Exception e) =>
        new($"{location}: could not {what}: {(e as AmazonS3Exception)?.ErrorCode ?? e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}", e);

    sealed class Write(S3CheckpointStorage storage, S3Location folder) : ICheckpointWrite
    {
        readonly List<string> _written = [];
        byte[]? _manifest;
        bool _published, _started;

        public void WriteFile(string name, byte[] bytes)
        {
            if (!_started)
            {
                // A step committed before (a re-commit after a rollback): un-publish it before its objects change.
                storage.DeleteKeys([folder.Key(CheckpointManifest.FileName)], folder.Split().Name);
                _started = true;
            }
            _written.Add(folder.Key(name));
            storage.Put(folder.Key(name), bytes);
        }

        public void WriteManifest(byte[] manifest) => _manifest = manifest;

        public string Publish()
        {
            storage.Put(folder.Key(CheckpointManifest.FileName), _manifest ?? throw new InvalidOperationException("no manifest written"));
            _published = true;
            return folder.ToString();
        }

        /// <summary>Takes back what was written, the manifest first (a publish the world fence refused after the fact).</summary>
        public void Abandon()
        {
            try
            {
                storage.DeleteKeys([folder.Key(CheckpointManifest.FileName), .. _written], folder.Split().Name);
                _published = false;
                _written.Clear();
            }
            catch (StorageUnavailableException) when (!_published)
            {
                // Unpublished leftovers are invisible to readers; RemoveAbandoned clears them later.
            }
        }

        public void Dispose()
        {
            if (!_published) Abandon();
        }
    }
}
