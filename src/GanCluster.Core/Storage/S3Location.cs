namespace GanCluster.Core.Storage;

/// <summary>s3://bucket/prefix: a bucket and a key prefix (no leading or trailing '/'; empty for the bucket's root).</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";

    public static bool IsS3(string? uri) => uri != null && uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses s3://bucket[/prefix]; null with <paramref name="problem"/> when it is not one.</summary>
    public static S3Location? TryParse(string uri, out string? problem)
    {
        problem = null;
        if (!IsS3(uri)) { problem = "an s3://bucket/prefix URI"; return null; }
        string rest = uri[Scheme.Length..].Trim('/');
        int slash = rest.IndexOf('/');
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        // Bucket names: 3-63 lowercase letters, digits, '.', '-' (S3's rules, which compatible servers share).
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-'))
        {
            problem = "a bucket name of 3-63 lowercase letters, digits, '.' or '-'";
            return null;
        }
        if ((prefix.Length > 0 && prefix.Split('/').Any(p => p is "" or "." or "..")) || prefix.Any(char.IsControl))
        {
            problem = "a prefix without empty, '.' or '..' parts";
            return null;
        }
        return new S3Location(bucket, prefix);
    }

    public static S3Location Parse(string uri) =>
        TryParse(uri, out string? problem) ?? throw new ArgumentException($"'{uri}' is not {problem}", nameof(uri));

    /// <summary>The object key of <paramref name="name"/> under this prefix.</summary>
    public string Key(string name) => Prefix.Length == 0 ? name : $"{Prefix}/{name}";

    /// <summary>This prefix with <paramref name="name"/> appended (a "subfolder").</summary>
    public S3Location Child(string name) => new(Bucket, Key(name));

    /// <summary>The parent "folder" and the last part (s3://b/p/step-1 -> (s3://b/p, step-1)).</summary>
    public (S3Location Parent, string Name) Split()
    {
        int slash = Prefix.LastIndexOf('/');
        return slash < 0 ? (new S3Location(Bucket, ""), Prefix) : (new S3Location(Bucket, Prefix[..slash]), Prefix[(slash + 1)..]);
    }

    public override string ToString() => Prefix.Length == 0 ? $"{Scheme}{Bucket}" : $"{Scheme}{Bucket}/{Prefix}";
}
