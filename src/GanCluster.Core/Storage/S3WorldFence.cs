using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Storage;

/// <summary>
/// The world fence as the object world-epoch under the run's S3 prefix. Object storage has no lock file, so every
/// change is a conditional write: a raise is a compare-and-swap on the object's ETag (If-Match; If-None-Match: * when
/// it does not exist yet), and a publication is bracketed by the fence: read it (epoch and ETag), publish, then write
/// it back unchanged on condition that its ETag is still the one read. If the coordinator raised it in between, that
/// write fails and the publication is taken back (<see cref="FenceMovedException"/>).
/// <para>A server that ignores conditional writes would make all this silently unsafe, so it is probed once (a
/// create-only write over an existing object must fail); on such a server the fence fails closed: no world is
/// admitted to publish and the fence cannot be raised (InvalidDataException, the coordinator ends the run).</para>
/// </summary>
public sealed class S3WorldFence(S3Location root) : IWorldFence
{
    const string ProbePrefix = ".conditional-write-probe-";

    readonly Lock _probeGate = new();
    string? _unsupported;
    bool _probed;

    IAmazonS3 Client => S3Connection.Client;

    string Key => root.Key(WorldFence.FileName);

    public string Location => root.Child(WorldFence.FileName).ToString();

    public long Read() => Get().Epoch;

    public long Raise(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        RequireConditionalWrites();
        for (int attempt = 0; ; attempt++)
        {
            var (current, etag) = Get();
            if (current >= epoch) return current;
            if (TryPut(epoch, etag)) return epoch;
            if (attempt >= 100) throw new InvalidDataException($"{Location}: could not raise the fence to {epoch} (100 conflicting writes)");
        }
    }

    public bool Admits(long epoch, out long fence)
    {
        try
        {
            fence = Read();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            fence = long.MaxValue;
            return false;
        }
        return fence <= epoch;
    }

    public bool PublishIfAdmitted(long epoch, Action publish, out long fence)
    {
        long current;
        string? etag;
        try
        {
            RequireConditionalWrites();
            (current, etag) = Get();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            fence = long.MaxValue; // fails closed
            return false;
        }
        fence = current;
        if (current > epoch) return false;
        publish();
        // The fence must still be the object read before the publication: write it back unchanged, on that condition.
        if (TryPut(current, etag)) return true;
        Admits(epoch, out long now);
        if (now <= epoch) return true; // another writer's confirmation (same epoch) changed the ETag, not a raise
        fence = now;
        throw new FenceMovedException(epoch, now);
    }

    public void Clear() => Call(() => Client.DeleteObjectAsync(root.Bucket, Key), "delete");

    /// <summary>Throws InvalidDataException (the fence fails closed) when the server ignores conditional writes.</summary>
    public void RequireConditionalWrites()
    {
        lock (_probeGate)
        {
            if (!_probed)
            {
                _unsupported = ProbeConditionalWrites();
                _probed = true;
            }
        }
        if (_unsupported is { } why)
            throw new InvalidDataException($"{Location}: the S3 server ignores conditional writes ({why}); the world fence cannot be " +
                                           "kept there safely, so no cluster world may publish checkpoints or be fenced");
    }

    /// <summary>Null when create-only (If-None-Match: *) and compare-and-swap (If-Match) writes are refused as they must be.</summary>
    string? ProbeConditionalWrites()
    {
        string key = root.Key(ProbePrefix + Guid.NewGuid().ToString("N")); // one per probe: probes may run at once
        Call(() => Client.PutObjectAsync(Request(key, "probe")), "write the probe");
        try
        {
            if (Succeeds(Request(key, "create-only", ifNoneMatch: "*"))) return "If-None-Match: * replaced an existing object";
            if (Succeeds(Request(key, "swap", ifMatch: "\"00000000000000000000000000000000\""))) return "If-Match with a stale ETag replaced the object";
            return null;
        }
        finally
        {
            Call(() => Client.DeleteObjectAsync(root.Bucket, key), "delete the probe");
        }
    }

    bool Succeeds(PutObjectRequest request)
    {
        try
        {
            Call(() => Client.PutObjectAsync(request), "write the probe");
            return true;
        }
        catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception s3 && S3Connection.IsConditionFailed(s3))
        {
            return false;
        }
    }

    (long Epoch, string? ETag) Get()
    {
        GetObjectResponse response;
        try
        {
            response = S3Connection.Run(() => Client.GetObjectAsync(root.Bucket, Key));
        }
        catch (AmazonS3Exception e) when (S3Connection.IsNotFound(e))
        {
            return (0, null);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new StorageUnavailableException($"{Location}: could not read the fence: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        using (response)
        {
            var buffer = new byte[64];
            int n = response.ResponseStream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
            if (long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)) return (epoch, response.ETag);
            throw new InvalidDataException($"{Location} holds no world epoch ('{new string(text.Take(20).Select(c => char.IsControl(c) ? '?' : c).ToArray())}'): " +
                                           "it was altered or damaged; no world may write until it is fixed");
        }
    }

    /// <summary>Writes <paramref name="epoch"/> if the fence object is still <paramref name="etag"/> (null: still absent).</summary>
    bool TryPut(long epoch, string? etag)
    {
        var request = etag is null
            ? Request(Key, epoch.ToString(CultureInfo.InvariantCulture), ifNoneMatch: "*")
            : Request(Key, epoch.ToString(CultureInfo.InvariantCulture), ifMatch: etag);
        try
        {
            Call(() => Client.PutObjectAsync(request), "write the fence");
            return true;
        }
        catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception s3 && (S3Connection.IsConditionFailed(s3) || S3Connection.IsNotFound(s3)))
        {
            return false; // someone else wrote (or removed) it first
        }
    }

    PutObjectRequest Request(string key, string body, string? ifNoneMatch = null, string? ifMatch = null)
    {
        var request = new PutObjectRequest { BucketName = root.Bucket, Key = key, ContentBody = body, UseChunkEncoding = false };
        if (ifNoneMatch != null) request.IfNoneMatch = ifNoneMatch;
        if (ifMatch != null) request.IfMatch = ifMatch;
        return request;
    }

    T Call<T>(Func<Task<T>> call, string what)
    {
        try { return S3Connection.Run(call); }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new StorageUnavailableException($"{Location}: could not {what}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
