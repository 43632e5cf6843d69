using System.Buffers.Binary;
using System.IO.Compression;
using GanCluster.Core.Data;

namespace GanCluster.Training.Data;

/// <summary>The IDX format of MNIST (big-endian header: magic 0x0000_08_NN, then NN dimension sizes, then bytes).</summary>
public static class IdxFile
{
    public sealed record Contents(int[] Dimensions, byte[] Data);

    /// <summary>Reads a raw or gzip-compressed IDX file of unsigned bytes.</summary>
    public static Contents Read(string path)
    {
        if (!File.Exists(path)) throw new DataException($"data.path: expected an IDX file, found no file at '{path}'");
        using var file = File.OpenRead(path);
        Stream stream = file;
        var magic = new byte[2];
        if (file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            file.Position = 0;
            stream = new GZipStream(file, CompressionMode.Decompress);
        }
        else file.Position = 0;
        using var buffered = new BufferedStream(stream, 1 << 20);
        try
        {
            var header = ReadExactly(buffered, 4, path);
            if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] is 0 or > 4)
                throw new DataException($"{path}: expected an IDX file of unsigned bytes (magic 0x00000801-0x00000804), found magic 0x{Convert.ToHexString(header)}");
            var dims = new int[header[3]];
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(ReadExactly(buffered, 4, path));
                if (dims[i] <= 0) throw new DataException($"{path}: expected positive IDX dimensions, found {dims[i]}");
            }
            long total = dims.Aggregate(1L, (a, d) => a * d);
            if (total > int.MaxValue) throw new DataException($"{path}: IDX file too large ({total} bytes)");
            return new Contents(dims, ReadExactly(buffered, (int)total, path));
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path}: not a readable gzip/IDX file ({e.Message})");
        }
    }

    static byte[] ReadExactly(Stream s, int count, string path)
    {
        var buffer = new byte[count];
        try { s.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new DataException($"{path}: IDX file is truncated"); }
        return buffer;
    }
}
