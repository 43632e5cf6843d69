using GanCluster.Core.Data;

namespace GanCluster.Training.Data;

/// <summary>Images already decoded and resized, held as bytes (MNIST-sized sets).</summary>
public sealed class InMemoryImageSource : ImageSource
{
    readonly byte[] _pixels;
    readonly int _count;

    public InMemoryImageSource(byte[] pixels, int count, int resolution, int channels, string description, byte[]? labels = null)
        : base(resolution, channels)
    {
        if (count == 0) throw new DataException($"{description}: expected at least one image, found none");
        if (pixels.Length != (long)count * channels * resolution * resolution)
            throw new ArgumentException("pixel buffer does not match count x channels x resolution^2");
        _pixels = pixels;
        _count = count;
        Description = description;
        Labels = labels;
    }

    public override int Count => _count;

    public override string Description { get; }

    /// <summary>Class labels when the source has them (MNIST), else null.</summary>
    public byte[]? Labels { get; }

    public override ReadOnlySpan<byte> ReadBytes(int index) => _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
}
