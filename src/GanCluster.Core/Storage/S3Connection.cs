using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Storage;

/// <summary>
/// The S3 client of this process, configured from the usual AWS environment variables: AWS_ENDPOINT_URL_S3 or
/// AWS_ENDPOINT_URL (an S3-compatible server: MinIO, Ceph RGW, GCS's or R2's S3 endpoint; path-style addressing),
/// AWS_REGION or AWS_DEFAULT_REGION (default us-east-1), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN, or, without keys, the SDK's own chain (web identity on EKS, instance profiles).
/// </summary>
public static class S3Connection
{
    static readonly Lock Gate = new();
    static (string Signature, IAmazonS3 Client)? _shared;

    /// <summary>The client for the current environment (made once per distinct environment).</summary>
    public static IAmazonS3 Client
    {
        get
        {
            string signature = string.Join('\n', Variables.Select(Environment.GetEnvironmentVariable));
            lock (Gate)
            {
                if (_shared is { } s && s.Signature == signature) return s.Client;
                _shared = (signature, Create(Env));
                return _shared.Value.Client;
            }
        }
    }

    static readonly string[] Variables =
        ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    /// <summary>A client configured from <paramref name="variable"/> (the AWS variables by name) rather than this process's environment.</summary>
    public static IAmazonS3 Create(Func<string, string?> variable)
    {
        string? Value(string name) => variable(name) is { Length: > 0 } v ? v : null;
        string region = Value("AWS_REGION") ?? Value("AWS_DEFAULT_REGION") ?? "us-east-1";
        var config = new AmazonS3Config
        {
            // The SDK's default CRC trailers (aws-chunked uploads) are not understood by every S3-compatible server;
            // our own SHA-256 manifest is what makes a checkpoint verifiable, so checksums are sent only when required.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if ((Value("AWS_ENDPOINT_URL_S3") ?? Value("AWS_ENDPOINT_URL")) is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }
        else config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        return Value("AWS_ACCESS_KEY_ID") is { } key
            ? new AmazonS3Client(Value("AWS_SESSION_TOKEN") is { } token
                ? new SessionAWSCredentials(key, Value("AWS_SECRET_ACCESS_KEY") ?? "", token)
                : new BasicAWSCredentials(key, Value("AWS_SECRET_ACCESS_KEY") ?? ""), config)
            : new AmazonS3Client(config);
    }

    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    /// <summary>
    /// Checks that <paramref name="location"/> can be listed with the credentials at hand; refusals (wrong keys, no
    /// such bucket, access denied) and an unreachable endpoint are input errors on <paramref name="field"/>: one line, exit 2.
    /// </summary>
    public static void CheckAccess(S3Location location, string field)
    {
        try
        {
            // One level only (the delimiter): s3rver answers MaxKeys = 1 over existing objects with a 500.
            Run(() => Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = location.Bucket, Prefix = location.Key(""), Delimiter = "/" }));
        }
        catch (AmazonS3Exception e)
        {
            throw new SpecException(field, $"a bucket these credentials may use (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, {EndpointText()})",
                $"'{location}': {(int)e.StatusCode} {e.ErrorCode ?? e.StatusCode.ToString()}", "input");
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new SpecException(field, $"a reachable S3 endpoint ({EndpointText()})", $"'{location}': {Flat(e.Message)}", "input");
        }
    }

    static string EndpointText() => (Env("AWS_ENDPOINT_URL_S3") ?? Env("AWS_ENDPOINT_URL")) is { } e ? $"endpoint {e}" : "AWS's endpoint";

    static string Flat(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Runs an SDK call synchronously (the checkpoint store's callers are synchronous: a background writer, start-up).</summary>
    public static T Run<T>(Func<Task<T>> call) => Task.Run(call).GetAwaiter().GetResult();

    /// <summary>
    /// Every object under <paramref name="location"/>'s prefix (recursive), page by page: ListObjectsV2 answers at most
    /// 1,000 keys a call. <paramref name="call"/> sends each page's request (the caller's error handling or retries).
    /// Lazy: a page is asked for when the previous one is used up.
    /// </summary>
    public static IEnumerable<S3Object> ListAll(S3Location location, Func<Func<Task<ListObjectsV2Response>>, ListObjectsV2Response> call)
    {
        var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = location.Key("") };
        while (true)
        {
            var page = call(() => Client.ListObjectsV2Async(request));
            foreach (var o in page.S3Objects ?? []) yield return o;
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary><see cref="ListAll(S3Location, Func{Func{Task{ListObjectsV2Response}}, ListObjectsV2Response})"/> with plain calls.</summary>
    public static IEnumerable<S3Object> ListAll(S3Location location) => ListAll(location, Run);

    public static bool IsNotFound(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound;

    /// <summary>A conditional write lost: 412 Precondition Failed, or 409 ConditionalRequestConflict (a concurrent one).</summary>
    public static bool IsConditionFailed(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.PreconditionFailed || e.StatusCode == HttpStatusCode.Conflict && e.ErrorCode == "ConditionalRequestConflict";
}
