using GanCluster.Core.Data;

namespace GanCluster.Training.Data;

/// <summary>
/// PNG/JPEG files under a folder (recursive, sorted by path so every rank sees the same order), decoded on
/// demand at the resolution asked for, center-cropped and resized: only the file list stays in memory. Files whose header is not an image are skipped when the folder is
/// indexed; a file that fails to decode later is replaced by the next readable one and counted.
/// </summary>
public sealed class FolderImageSource : ListedImageSource
{
    readonly string[] _files;

    public FolderImageSource(string folder, int resolution, int channels, int? limit = null) : base(resolution, channels)
    {
        if (!Directory.Exists(folder)) throw new DataException($"data.path: expected an image folder, found no folder at '{folder}'");
        var candidates = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(HasImageExtension)
            .Order(StringComparer.Ordinal)
            .ToList();
        var good = new List<string>();
        foreach (var file in candidates)
        {
            if (limit is { } l && good.Count >= l) break;
            if (ImageOps.LooksLikeImage(file)) good.Add(file);
            else
            {
                Skipped++;
                Warn($"skipped unreadable image {file}");
            }
        }
        if (good.Count == 0)
            throw new DataException($"data.path: expected PNG/JPEG images under '{folder}', found {(candidates.Count == 0 ? "none" : $"{candidates.Count} files, none readable")}");
        _files = good.ToArray();
        Description = $"{_files.Length} images from {folder}";
    }

    public override int Count => _files.Length;

    public override string Description { get; }

    protected override string NameOf(int index) => _files[index];

    protected override byte[]? Decode(int index, int resolution) => ImageOps.DecodeFile(_files[index], resolution, Channels);
}
