using System.Buffers;
using System.Runtime.InteropServices;
using GanCluster.Collective.Transport;

namespace GanCluster.Collective.Internal;

/// <summary>
/// One direction of the ring: sends to its successor on <see cref="_send"/>, receives from its predecessor on
/// <see cref="_recv"/>, one thread each, pipelined chunk by chunk. Ring positions run 0..n-1 in the lane's direction.
/// <para>All-reduce schedule over n segments (segment k: elements [k·c/n, (k+1)·c/n) balanced to ±1) and
/// 2(n-1) steps g. Reduce-scatter (g &lt; n-1): send segment (p-g), receive segment (p-g-1) and add it into
/// ours. All-gather (t = g-(n-1)): send segment (p+1-t), receive segment (p-t) and overwrite ours. Every step sends
/// exactly what the previous step received, so the sender of step g waits chunk-wise on the receiver of step
/// g-1 and both directions of the socket stream continuously.</para>
/// <para>Determinism: segment k is summed in one fixed order, x[k] + x[k+1] + ... round the ring, finishing on
/// position k-1 (mod n), which then hands the same bits to everyone in the all-gather. Timing never changes
/// the order. With a 16-bit wire the owner rounds its finished segment to the wire format in place, so it holds the
/// same bits as the ranks that receive it.</para>
/// </summary>
internal sealed class RingLane : IDisposable
{
    readonly IDataLink _send;
    readonly IDataLink _recv;
    readonly int _n;
    readonly RingOptions _options;
    readonly byte[] _sendWire;
    readonly byte[] _recvWire;
    readonly byte[] _headerOut = new byte[OpHeader.Size];
    readonly byte[] _headerIn = new byte[OpHeader.Size];
    readonly byte[] _headerExpected = new byte[OpHeader.Size];

    // Current operation (set by the caller while both workers are idle).
    Memory<float> _floats;
    Memory<byte> _bytes;
    OpHeader _header;
    int _rootPosition;
    int _firstStep, _endStep;

    public RingLane(byte index, IDataLink send, IDataLink recv, int position, int size, RingOptions options)
    {
        Index = index;
        _send = send;
        _recv = recv;
        Position = position;
        _n = size;
        _options = options;
        _sendWire = ArrayPool<byte>.Shared.Rent(options.ChunkBytes);
        _recvWire = ArrayPool<byte>.Shared.Rent(options.ChunkBytes);
    }

    public byte Index { get; }

    public int Position { get; }

    public Progress Progress { get; } = new();

    public IDataLink SendLink => _send;

    public IDataLink RecvLink => _recv;

    /// <summary>An all-reduce, or one of its halves (<see cref="OpKind.ReduceScatter"/>: steps 0..n-2, after which
    /// position p holds the finished segment <see cref="OwnedSegment"/>; <see cref="OpKind.AllGather"/>: steps n-1..2n-3,
    /// which expects exactly that and hands it to everyone). The hierarchical schedule runs them on different rings.</summary>
    public void PrepareAllReduce(Memory<float> data, long seq, OpKind kind = OpKind.AllReduceSum)
    {
        _floats = data;
        _header = new OpHeader(kind, _options.Wire, Index, seq, data.Length, -1, _options.ChunkBytes);
        (_firstStep, _endStep) = kind switch
        {
            OpKind.ReduceScatter => (0, _n - 1),
            OpKind.AllGather => (_n - 1, 2 * (_n - 1)),
            _ => (0, 2 * (_n - 1)),
        };
        Progress.Reset();
    }

    /// <summary>The segment of an <paramref name="count"/>-element buffer that this position finishes in the
    /// reduce-scatter (segment k finishes on position k-1).</summary>
    public (int Start, int Length) OwnedSegment(int count) => Segment(count, Mod(Position + 1));

    public void PrepareBroadcast(Memory<byte> data, int rootPosition, long seq, int rootRank)
    {
        _bytes = data;
        _rootPosition = rootPosition;
        _header = new OpHeader(OpKind.Broadcast, WireFormat.Float32, Index, seq, data.Length, rootRank, _options.ChunkBytes);
        Progress.Reset();
    }

    int Mod(int x) => ((x % _n) + _n) % _n;

    (int Start, int Length) Segment(int k) => Segment(_floats.Length, k);

    (int Start, int Length) Segment(int c, int k)
    {
        int q = c / _n, r = c % _n;
        return (k * q + Math.Min(k, r), q + (k < r ? 1 : 0));
    }

    int SendSegment(int g) => g < _n - 1 ? Mod(Position - g) : Mod(Position + 1 - (g - (_n - 1)));

    int RecvSegment(int g) => g < _n - 1 ? Mod(Position - g - 1) : Mod(Position - (g - (_n - 1)));

    int ChunkElements => _options.ChunkBytes / _options.WireElementSize;

    void SendHeader()
    {
        _header.Write(_headerOut);
        _send.Send(_headerOut);
    }

    void ReceiveHeader()
    {
        _recv.Receive(_headerIn);
        _header.Write(_headerExpected); // what we expect is what we send ourselves
        if (!_headerIn.AsSpan().SequenceEqual(_headerExpected))
            throw new ProtocolMismatchException(_recv.PeerRank,
                $"rank {_recv.PeerRank} runs [{OpHeader.Describe(_headerIn)}], this rank runs [{OpHeader.Describe(_headerExpected)}]");
    }

    public void AllReduceSend(ref int aborted)
    {
        SendHeader();
        int e = ChunkElements;
        long waitBase = 0;
        var wire = _options.Wire;
        for (int g = _firstStep; g < _endStep; g++)
        {
            var (start, length) = Segment(SendSegment(g));
            int chunks = (length + e - 1) / e;
            for (int ci = 0; ci < chunks; ci++)
            {
                // The first step sends what this rank holds; every later one what the previous step received.
                if (g > _firstStep) Progress.WaitFor(waitBase + ci + 1, ref aborted);
                int off = start + ci * e, len = Math.Min(e, start + length - off);
                var src = _floats.Span.Slice(off, len);
                if (wire == WireFormat.Float32)
                {
                    _send.Send(MemoryMarshal.AsBytes(src));
                }
                else
                {
                    var dst = MemoryMarshal.Cast<byte, ushort>(_sendWire.AsSpan(0, len * 2));
                    VectorMath.Encode(wire, src, dst);
                    _send.Send(_sendWire.AsSpan(0, len * 2));
                }
            }
            if (g > _firstStep) waitBase += chunks;
        }
    }

    public void AllReduceReceive()
    {
        ReceiveHeader();
        int e = ChunkElements;
        var wire = _options.Wire;
        int size = _options.WireElementSize;
        for (int g = _firstStep; g < _endStep; g++)
        {
            var (start, length) = Segment(RecvSegment(g));
            bool reduce = g < _n - 1, finished = g == _n - 2;
            for (int off = start; off < start + length; off += e)
            {
                int len = Math.Min(e, start + length - off);
                var dst = _floats.Span.Slice(off, len);
                if (reduce && wire == WireFormat.Float32 && _recv is SharedMemoryLink shm)
                {
                    shm.ReceiveAdd(dst); // straight from the shared ring, no scratch copy
                }
                else if (reduce)
                {
                    var buffer = _recvWire.AsSpan(0, len * size);
                    _recv.Receive(buffer);
                    if (wire == WireFormat.Float32)
                    {
                        VectorMath.Add(dst, MemoryMarshal.Cast<byte, float>(buffer));
                    }
                    else
                    {
                        VectorMath.AddDecoded(wire, dst, MemoryMarshal.Cast<byte, ushort>(buffer));
                        if (finished) VectorMath.Round(wire, dst);
                    }
                }
                else if (wire == WireFormat.Float32)
                {
                    _recv.Receive(MemoryMarshal.AsBytes(dst)); // all-gather lands in place: no copy
                }
                else
                {
                    var buffer = _recvWire.AsSpan(0, len * size);
                    _recv.Receive(buffer);
                    VectorMath.Decode(wire, MemoryMarshal.Cast<byte, ushort>(buffer), dst);
                }
                Progress.Advance();
            }
        }
    }

    /// <summary>Relative position to the root: 0 is the root (sends only), n-1 the last (receives only).</summary>
    int ChainPosition => Mod(Position - _rootPosition);

    public bool BroadcastSends => ChainPosition != _n - 1;

    public bool BroadcastReceives => ChainPosition != 0;

    public void BroadcastSend(ref int aborted)
    {
        SendHeader();
        int e = _options.ChunkBytes, c = _bytes.Length;
        bool forward = ChainPosition != 0;
        for (int ci = 0, off = 0; off < c; ci++, off += e)
        {
            if (forward) Progress.WaitFor(ci + 1, ref aborted);
            _send.Send(_bytes.Span.Slice(off, Math.Min(e, c - off)));
        }
    }

    public void BroadcastReceive()
    {
        ReceiveHeader();
        int e = _options.ChunkBytes, c = _bytes.Length;
        for (int off = 0; off < c; off += e)
        {
            _recv.Receive(_bytes.Span.Slice(off, Math.Min(e, c - off)));
            Progress.Advance();
        }
    }

    public void Release()
    {
        _floats = default;
        _bytes = default;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_sendWire);
        ArrayPool<byte>.Shared.Return(_recvWire);
    }
}
