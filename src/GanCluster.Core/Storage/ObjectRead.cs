using GanCluster.Core.Checkpoints;

namespace GanCluster.Core.Storage;

/// <summary>Reading one checkpoint file from a stream, bounded: never more than one byte past what is expected.</summary>
static class ObjectRead
{
    /// <summary>
    /// Reads <paramref name="declared"/> bytes (or, undeclared, up to <paramref name="limit"/>) plus one more to
    /// catch a longer file; a file of another size than declared is refused, as is an undeclared one over the limit.
    /// </summary>
    public static byte[] Bounded(Stream stream, string checkpointPath, string name, long? declared, int limit, long? length)
    {
        long size = declared ?? Math.Min(limit, length ?? limit);
        var buffer = new byte[size];
        int n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        bool longer = stream.ReadByte() >= 0;
        if (declared is { } expected && (n != expected || longer))
            throw new InvalidCheckpointException(checkpointPath, $"{name} has {(longer ? $"more than {expected}" : n.ToString())} bytes, manifest says {expected}");
        if (declared is null && longer && n >= limit) throw new InvalidCheckpointException(checkpointPath, $"{name} is larger than {limit} bytes");
        return n == buffer.Length ? buffer : buffer[..n];
    }
}
