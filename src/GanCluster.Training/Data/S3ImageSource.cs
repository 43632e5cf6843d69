using GanCluster.Core.Data;
using GanCluster.Core.Storage;

namespace GanCluster.Training.Data;

/// <summary>
/// A folder dataset in object storage (data.path: s3://bucket/prefix): the prefix is listed once, keeping the image
/// objects (.png/.jpg/.jpeg) sorted by key, the order <see cref="FolderImageSource"/> gives the same files on disk, so
/// the same images train the same way from either. An object is downloaded only when a read asks for it (the batch
/// loader's workers, for the indices of this rank's shard), then kept in a bounded <see cref="DiskObjectCache"/>.
/// Unlike the folder source, headers are not checked up front (that would download everything): an object that does
/// not decode is skipped when first read, like a file that fails to decode later.
/// </summary>
public sealed class S3ImageSource : ListedImageSource, IDisposable
{
    public const string Field = "data.path";

    readonly S3ObjectReader _reader;
    readonly string[] _keys;
    readonly DiskObjectCache _cache;

    /// <param name="cache">the cache this source owns (disposed with it)</param>
    public S3ImageSource(S3Location location, int resolution, int channels, int? limit, DiskObjectCache cache) : base(resolution, channels)
    {
        _cache = cache;
        try
        {
            _reader = new S3ObjectReader(RunStorage.Accessible(location, Field)); // wrong keys, no bucket: one line, exit 2
            var listed = _reader.List();
            var images = listed.Select(o => o.Key).Where(HasImageExtension).Order(StringComparer.Ordinal);
            _keys = (limit is { } l ? images.Take(l) : images).ToArray();
            if (_keys.Length == 0)
                throw new DataException($"{Field}: expected PNG/JPEG images under '{location}', found " +
                                        (listed.Count == 0 ? "no objects" : $"{listed.Count} objects, none named .png, .jpg or .jpeg"));
        }
        catch
        {
            cache.Dispose(); // nothing was cached; the folder goes now rather than at exit
            throw;
        }
        Description = $"{_keys.Length} images from {location} (local cache {cache.CapacityBytes >> 20} MiB in {cache.Folder})";
    }

    public override int Count => _keys.Length;

    public override string Description { get; }

    /// <summary>The cache of downloaded objects (for tests and logs).</summary>
    public DiskObjectCache Cache => _cache;

    protected override string NameOf(int index) => $"{S3Location.Scheme}{_reader.Location.Bucket}/{_keys[index]}";

    protected override byte[]? Decode(int index, int resolution)
    {
        string key = _keys[index];
        var encoded = _cache.Get(key, () => _reader.Read(key));
        return encoded == null ? null : ImageOps.DecodeBytes(encoded, resolution, Channels);
    }

    public void Dispose() => _cache.Dispose();
}
