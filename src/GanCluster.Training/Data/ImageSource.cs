namespace GanCluster.Training.Data;

/// <summary>
/// A dataset of images, kept at their native size (or on disk) and resized on each read: to the run's
/// <see cref="Resolution"/> by default, or to any other side length (a progressive run reads at the resolution
/// it trains at). Pixels come out normalised to [-1, 1] in CHW order. Implementations are safe to read from
/// several threads; no implementation holds the dataset at a target resolution, so memory does not grow with it.
/// </summary>
public abstract class ImageSource
{
    protected ImageSource(int resolution, int channels)
    {
        Resolution = resolution;
        Channels = channels;
    }

    /// <summary>The run's (final) resolution: what <see cref="Read(int, Span{float})"/> returns.</summary>
    public int Resolution { get; }

    public int Channels { get; }

    public abstract int Count { get; }

    /// <summary>Where the images came from, for logs.</summary>
    public abstract string Description { get; }

    /// <summary>Bytes this source holds in memory (its native pixels; 0 for a source that reads from disk).</summary>
    public virtual long ResidentBytes => 0;

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

    public int PixelsPerImage => PixelsAt(Resolution);

    /// <summary>Values of one image at <paramref name="resolution"/> (channels x resolution²).</summary>
    public int PixelsAt(int resolution) => Channels * resolution * resolution;

    /// <summary>Writes image <paramref name="index"/> as PixelsPerImage floats in [-1, 1].</summary>
    public void Read(int index, Span<float> destination) => Read(index, Resolution, destination);

    /// <summary>Writes image <paramref name="index"/> resized to <paramref name="resolution"/> as PixelsAt(resolution) floats in [-1, 1].</summary>
    public void Read(int index, int resolution, Span<float> destination)
    {
        var bytes = ReadBytes(index, resolution);
        for (int i = 0; i < bytes.Length; i++) destination[i] = bytes[i] / 127.5f - 1f;
    }

    /// <summary>Image <paramref name="index"/> as CHW bytes at the run's resolution.</summary>
    public ReadOnlySpan<byte> ReadBytes(int index) => ReadBytes(index, Resolution);

    /// <summary>Image <paramref name="index"/> as CHW bytes, center-cropped and resized to <paramref name="resolution"/>.</summary>
    public abstract ReadOnlySpan<byte> ReadBytes(int index, int resolution);

    protected void Warn(string message)
    {
        lock (_warnings) _warnings.Add(message);
        Warning?.Invoke(message);
    }
}
