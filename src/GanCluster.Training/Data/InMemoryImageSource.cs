using GanCluster.Core.Data;

namespace GanCluster.Training.Data;

/// <summary>
/// Grayscale images held at their native size (an IDX file: MNIST's 28x28), resized on each read. Memory is the
/// native pixels (10,000 MNIST digits: 7.8 MB) whatever the resolution read at: a 1024 px run does not hold
/// 10,000 x 1024² bytes.
/// </summary>
public sealed class InMemoryImageSource : ImageSource
{
    readonly byte[] _pixels;
    readonly int _count;
    readonly int _width;
    readonly int _height;

    /// <param name="pixels">count images of height x width bytes, row-major, one after the other</param>
    public InMemoryImageSource(byte[] pixels, int count, int width, int height, int resolution, int channels, string description, byte[]? labels = null)
        : base(resolution, channels)
    {
        if (count == 0) throw new DataException($"{description}: expected at least one image, found none");
        if (pixels.Length != (long)count * width * height)
            throw new ArgumentException("pixel buffer does not match count x width x height");
        _pixels = pixels;
        _count = count;
        _width = width;
        _height = height;
        Description = description;
        Labels = labels;
    }

    public override int Count => _count;

    public override string Description { get; }

    public override long ResidentBytes => _pixels.Length;

    /// <summary>Class labels when the source has them (MNIST), else null.</summary>
    public byte[]? Labels { get; }

    public override ReadOnlySpan<byte> ReadBytes(int index, int resolution)
    {
        var native = _pixels.AsSpan(index * _width * _height, _width * _height);
        // Already the size and format asked for (MNIST at 28 for the collapse classifier): no resampling.
        if (_width == resolution && _height == resolution && Channels == 1) return native;
        return ImageOps.ResizeGray(native, _width, _height, resolution, Channels);
    }
}
