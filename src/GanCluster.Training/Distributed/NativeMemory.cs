using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Distributed;

/// <summary>
/// A <see cref="Memory{T}"/> over a CPU tensor's own storage, so the data plane reads and writes gradients
/// in place (no copy into a managed array). The tensor must stay alive and contiguous while it is used.
/// </summary>
public sealed unsafe class NativeMemory<T> : MemoryManager<T> where T : unmanaged
{
    readonly T* _pointer;
    readonly int _length;

    NativeMemory(T* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public static Memory<T> Of(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
            throw new ArgumentException("NativeMemory needs a contiguous CPU tensor");
        var bytes = tensor.bytes;
        fixed (byte* p = bytes)
            return new NativeMemory<T>((T*)p, bytes.Length / sizeof(T)).Memory;
    }

    public override Span<T> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
