using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.IO;
using MathNet.Numerics.LinearAlgebra;

namespace GanCluster.Core.Quality;

/// <summary>
/// The real sample's features and statistics, cached in the run directory (<c>RUN_DIR/quality/real-FEATURES.bin</c>) so
/// a resumed or healed run, and every evaluation after the first, reuse them instead of pushing the real images through
/// the feature network again. Layout: "GCQREF1\n", a little-endian int32 header length, a UTF-8 JSON header (key,
/// rows, columns, SHA-256 of the payload), then the payload: features as float32 rows, the mean and the covariance as
/// float64. A file whose key differs (another feature network, data, sample size or seed) or whose checksum fails
/// is ignored and rewritten: the cache can never change a result, only save its cost.
/// </summary>
public static class QualityReferenceFile
{
    static readonly byte[] Magic = "GCQREF1\n"u8.ToArray();

    public static void Save(string path, string key, FeatureMatrix features, FeatureStatistics statistics)
    {
        int d = features.Columns;
        var payload = new byte[features.Data.Length * 4 + (d + d * d) * 8];
        var span = payload.AsSpan();
        foreach (float v in features.Data) { BinaryPrimitives.WriteSingleLittleEndian(span, v); span = span[4..]; }
        foreach (double v in statistics.Mean) { BinaryPrimitives.WriteDoubleLittleEndian(span, v); span = span[8..]; }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) { BinaryPrimitives.WriteDoubleLittleEndian(span, statistics.Covariance[i, j]); span = span[8..]; }
        var header = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["key"] = key,
            ["rows"] = features.Rows,
            ["columns"] = d,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(payload)),
        }.ToJsonString());
        using var stream = new MemoryStream();
        stream.Write(Magic);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, header.Length);
        stream.Write(length);
        stream.Write(header);
        stream.Write(payload);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DurableFile.WriteAllBytes(path, stream.ToArray());
    }

    /// <summary>The cached features and statistics, or null when the file is missing, for another key, or damaged.</summary>
    public static (FeatureMatrix Features, FeatureStatistics Statistics)? TryLoad(string path, string key)
    {
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException) { return null; }
        if (bytes.Length < Magic.Length + 4 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Magic.Length));
        int payloadStart = Magic.Length + 4 + headerLength;
        if (headerLength <= 0 || payloadStart > bytes.Length) return null;
        JsonObject? header;
        try { header = JsonNode.Parse(bytes.AsSpan(Magic.Length + 4, headerLength))?.AsObject(); }
        catch (System.Text.Json.JsonException) { return null; }
        if (header?["key"]?.GetValue<string>() != key) return null;
        int rows = header["rows"]!.GetValue<int>(), d = header["columns"]!.GetValue<int>();
        var payload = bytes.AsSpan(payloadStart);
        if (rows < 2 || d < 1 || payload.Length != (long)rows * d * 4 + ((long)d + (long)d * d) * 8) return null;
        if (Convert.ToHexStringLower(SHA256.HashData(payload)) != header["sha256"]?.GetValue<string>()) return null;
        var data = new float[rows * d];
        for (int i = 0; i < data.Length; i++) { data[i] = BinaryPrimitives.ReadSingleLittleEndian(payload); payload = payload[4..]; }
        var mean = new double[d];
        for (int i = 0; i < d; i++) { mean[i] = BinaryPrimitives.ReadDoubleLittleEndian(payload); payload = payload[8..]; }
        var covariance = Matrix<double>.Build.Dense(d, d);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) { covariance[i, j] = BinaryPrimitives.ReadDoubleLittleEndian(payload); payload = payload[8..]; }
        return (new FeatureMatrix(data, rows, d), new FeatureStatistics(mean, covariance, rows));
    }
}
