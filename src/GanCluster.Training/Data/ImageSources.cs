using GanCluster.Core.Data;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Training.Data;

/// <summary>Opens the dataset a run spec names.</summary>
public static class ImageSources
{
    public const string EmbeddedImagesFile = "mnist10k-images-idx3-ubyte.gz";
    public const string EmbeddedLabelsFile = "mnist10k-labels-idx1-ubyte.gz";

    public static ImageSource Open(DataSpec data, ModelSpec model) => data.Format switch
    {
        DataFormat.Embedded => OpenIdx(EmbeddedPath(EmbeddedImagesFile), model.Resolution, model.Channels, data.Limit, EmbeddedPath(EmbeddedLabelsFile)),
        DataFormat.Idx => OpenIdx(data.Path!, model.Resolution, model.Channels, data.Limit, null),
        DataFormat.Folder when S3Location.IsS3(data.Path) => new S3ImageSource(S3Location.Parse(data.Path!), model.Resolution, model.Channels,
            data.Limit, OpenCache(data)),
        DataFormat.Folder => new FolderImageSource(data.Path!, model.Resolution, model.Channels, data.Limit),
        _ => throw new ArgumentOutOfRangeException(nameof(data)),
    };

    /// <summary>
    /// This process's own cache folder for an s3:// dataset, under data.cache_dir or the system temp folder: a process
    /// never shares it, so ranks on one host do not race over files, and it goes away with the process.
    /// </summary>
    static DiskObjectCache OpenCache(DataSpec data)
    {
        string root = data.CacheDir ?? Path.GetTempPath();
        string folder = Path.Combine(root, $"gancluster-data-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            return new DiskObjectCache(folder, (long)data.CacheMib << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"data.cache_dir: expected a folder this process can write, found '{root}' ({e.Message})");
        }
    }

    /// <summary>
    /// The embedded MNIST files: copied next to the program at build time (data/), found by walking up from
    /// the program's folder so tests and the repository layout work too.
    /// </summary>
    public static string EmbeddedPath(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", fileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new DataException($"data.format: the embedded dataset ({fileName}) is missing from the installation (expected data/{fileName} next to the program)");
    }

    public static InMemoryImageSource OpenIdx(string path, int resolution, int channels, int? limit, string? labelsPath)
    {
        var idx = IdxFile.Read(path);
        if (idx.Dimensions.Length != 3)
            throw new DataException($"{path}: expected an IDX image file (3 dimensions: count, rows, columns), found {idx.Dimensions.Length} dimensions");
        int count = idx.Dimensions[0], rows = idx.Dimensions[1], cols = idx.Dimensions[2];
        if (limit is { } max) count = Math.Min(count, max);
        if (count == 0) throw new DataException($"{path}: expected at least one image, found none");
        // Native pixels only: resizing happens per read, in the batch loader's workers (a 1024 px run of
        // 10,000 images would otherwise need 10 GB, over .NET's array limit).
        var native = count == idx.Dimensions[0] ? idx.Data : idx.Data[..(count * rows * cols)];
        byte[]? labels = null;
        if (labelsPath != null && File.Exists(labelsPath))
        {
            var l = IdxFile.Read(labelsPath);
            if (l.Dimensions.Length == 1 && l.Dimensions[0] >= count) labels = l.Data[..count];
        }
        return new InMemoryImageSource(native, count, cols, rows, resolution, channels, $"{count} images from {Path.GetFileName(path)}", labels);
    }
}
