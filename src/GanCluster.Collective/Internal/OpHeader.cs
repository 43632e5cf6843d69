using System.Buffers.Binary;

namespace GanCluster.Collective.Internal;

internal enum OpKind : byte
{
    AllReduceSum = 1,
    Broadcast = 2,
    ReduceScatter = 3,
    AllGather = 4,
}

/// <summary>
/// 32 bytes every lane sends before an operation's data, so ranks that disagree on the call (kind, size, root,
/// sequence number, wire format, chunking) fail fast instead of corrupting buffers.
/// <code>0 "GCOP" | 4 u8 kind | 5 u8 wire | 6 u8 lane | 7 u8 0 | 8 i64 seq | 16 i64 count | 24 i32 root | 28 i32 chunk bytes</code>
/// </summary>
internal readonly record struct OpHeader(OpKind Kind, WireFormat Wire, byte Lane, long Seq, long Count, int Root, int ChunkBytes)
{
    public const int Size = 32;

    public void Write(Span<byte> b)
    {
        b[..Size].Clear();
        "GCOP"u8.CopyTo(b);
        b[4] = (byte)Kind;
        b[5] = (byte)Wire;
        b[6] = Lane;
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], Seq);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], Count);
        BinaryPrimitives.WriteInt32LittleEndian(b[24..], Root);
        BinaryPrimitives.WriteInt32LittleEndian(b[28..], ChunkBytes);
    }

    public static string Describe(ReadOnlySpan<byte> b) =>
        !b[..4].SequenceEqual("GCOP"u8)
            ? "not an op header"
            : $"{(OpKind)b[4]} wire {(WireFormat)b[5]} lane {b[6]} seq {BinaryPrimitives.ReadInt64LittleEndian(b[8..])} " +
              $"count {BinaryPrimitives.ReadInt64LittleEndian(b[16..])} root {BinaryPrimitives.ReadInt32LittleEndian(b[24..])} " +
              $"chunk {BinaryPrimitives.ReadInt32LittleEndian(b[28..])}";
}
