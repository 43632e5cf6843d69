namespace GanCluster.Training.Data;

/// <summary>
/// A dataset of images at the run's resolution and channel count. Pixels come out normalised to [-1, 1]
/// in CHW order. Implementations are safe to read from several threads.
/// </summary>
public abstract class ImageSource
{
    protected ImageSource(int resolution, int channels)
    {
        Resolution = resolution;
        Channels = channels;
    }

    public int Resolution { get; }

    public int Channels { get; }

    public abstract int Count { get; }

    /// <summary>Where the images came from, for logs.</summary>
    public abstract string Description { get; }

    /// <summary>Images skipped because they could not be read.</summary>
    public int Skipped { get; protected set; }

    readonly List<string> _warnings = [];

    /// <summary>Raised once for each unreadable image that was skipped (after <see cref="Warnings"/> got it).</summary>
    public event Action<string>? Warning;

    /// <summary>Every warning so far, including those raised while the source was being built.</summary>
    public IReadOnlyList<string> Warnings
    {
        get { lock (_warnings) return _warnings.ToList(); }
    }

    public int PixelsPerImage => Channels * Resolution * Resolution;

    /// <summary>Writes image <paramref name="index"/> as PixelsPerImage floats in [-1, 1].</summary>
    public void Read(int index, Span<float> destination)
    {
        var bytes = ReadBytes(index);
        for (int i = 0; i < bytes.Length; i++) destination[i] = bytes[i] / 127.5f - 1f;
    }

    /// <summary>Image <paramref name="index"/> as CHW bytes.</summary>
    public abstract ReadOnlySpan<byte> ReadBytes(int index);

    protected void Warn(string message)
    {
        lock (_warnings) _warnings.Add(message);
        Warning?.Invoke(message);
    }
}
