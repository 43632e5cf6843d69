using GanCluster.Core.Data;

namespace GanCluster.Training.Data;

/// <summary>
/// Images named by a sorted list (files under a folder, objects under an s3:// prefix), decoded on demand. An image
/// that fails to decode is replaced by the next readable one, warned about once and counted in <see cref="ImageSource.Skipped"/>.
/// </summary>
public abstract class ListedImageSource(int resolution, int channels) : ImageSource(resolution, channels)
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];
    readonly HashSet<int> _bad = [];

    /// <summary>Whether a file or object name has an image extension (.png, .jpg, .jpeg; any case).</summary>
    public static bool HasImageExtension(string name) => Extensions.Contains(Path.GetExtension(name).ToLowerInvariant());

    /// <summary>The name of image <paramref name="index"/>, for warnings.</summary>
    protected abstract string NameOf(int index);

    /// <summary>Image <paramref name="index"/> as CHW bytes at <paramref name="resolution"/>; null when it cannot be decoded.</summary>
    protected abstract byte[]? Decode(int index, int resolution);

    public override ReadOnlySpan<byte> ReadBytes(int index, int resolution)
    {
        for (int attempt = 0; attempt < Count; attempt++)
        {
            int i = (index + attempt) % Count;
            lock (_bad)
                if (_bad.Contains(i)) continue;
            var bytes = Decode(i, resolution);
            if (bytes != null) return bytes;
            lock (_bad)
            {
                if (_bad.Add(i))
                {
                    Skipped++;
                    Warn($"skipped unreadable image {NameOf(i)}");
                }
            }
        }
        throw new DataException($"data.path: no image could be decoded ({Description})");
    }
}
