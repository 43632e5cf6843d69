using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace GanCluster.Core.Storage;

/// <summary>
/// Reads plain objects under an s3:// prefix (a dataset): one listing, then whole-object GETs. A GET that fails for a
/// reason that may pass (5xx, throttling, a connection dropped mid-body) is tried again a few times with a growing
/// pause, on top of the SDK's own retries, which do not cover a body cut off after the headers arrived.
/// </summary>
public sealed class S3ObjectReader(S3Location location)
{
    const int Attempts = 4;

    public S3Location Location => location;

    /// <summary>Every object under the prefix (recursive, as the server orders keys): key and size.</summary>
    public IReadOnlyList<(string Key, long Size)> List() =>
        S3Connection.ListAll(location, list => WithRetries(list, "list")).Select(o => (o.Key, o.Size ?? 0)).ToList();

    /// <summary>The bytes of <paramref name="key"/>; null when it no longer exists (deleted after the listing).</summary>
    public byte[]? Read(string key)
    {
        try
        {
            return WithRetries(async () =>
            {
                using var response = await S3Connection.Client.GetObjectAsync(location.Bucket, key);
                using var buffer = new MemoryStream(response.ContentLength is > 0 and < int.MaxValue ? (int)response.ContentLength : 0);
                await response.ResponseStream.CopyToAsync(buffer);
                if (response.ContentLength is { } length && buffer.Length != length)
                    throw new IOException($"{key}: got {buffer.Length} of {length} bytes");
                return buffer.ToArray();
            }, "read " + key);
        }
        catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception s3 && S3Connection.IsNotFound(s3))
        {
            return null;
        }
    }

    T WithRetries<T>(Func<Task<T>> call, string what)
    {
        for (int attempt = 1; ; attempt++)
        {
            try { return S3Connection.Run(call); }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
            {
                if (attempt >= Attempts || !MayPass(e))
                    throw new StorageUnavailableException(
                        $"{location}: could not {what}: {(e as AmazonS3Exception)?.ErrorCode ?? e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}", e);
                Thread.Sleep(TimeSpan.FromMilliseconds(250 << attempt));
            }
        }
    }

    /// <summary>A refusal (4xx other than throttling) will be refused again; anything else may pass.</summary>
    static bool MayPass(Exception e) => e is not AmazonServiceException { StatusCode: var status }
        || (int)status is 0 or >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout;
}
