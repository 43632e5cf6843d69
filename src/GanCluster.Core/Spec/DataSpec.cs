namespace GanCluster.Core.Spec;

public sealed class DataSpec : ISpecSection
{
    [SpecDoc("embedded | idx | folder")]
    public DataFormat Format { get; set; } = DataFormat.Embedded;

    [SpecDoc("file (idx) or folder (folder); relative paths are resolved against the spec file's folder. A folder dataset may be s3://bucket/prefix (endpoint, region and keys from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): listed once, each rank downloads only the images it reads")]
    public string? Path { get; set; }

    [SpecDoc("s3:// datasets: MiB of downloaded images each process keeps on local disk (least recently used ones are evicted)")]
    public int CacheMib { get; set; } = 1024;

    [SpecDoc("s3:// datasets: folder for that cache (null: the system temp folder, $TMPDIR); each process uses its own subfolder and removes it when it ends")]
    public string? CacheDir { get; set; }

    [SpecDoc("use only the first N images (null: all)")]
    public int? Limit { get; set; }

    [SpecDoc("threads decoding and resizing images ahead of the trainer (PyTorch DataLoader's num_workers); 0: load each batch on the training thread")]
    public int Workers { get; set; } = 2;

    [SpecDoc("batches prepared ahead of the trainer, all workers together (bounds the loader's memory to prefetch + 1 batches); needs workers > 0")]
    public int Prefetch { get; set; } = 2;

    public void Validate(SpecProblems problems, string path)
    {
        if (Format != DataFormat.Embedded && string.IsNullOrWhiteSpace(Path))
            problems.Add($"{path}.path", $"a path for format {SpecSchema.FormatScalar(Format)}", "null");
        if (Format == DataFormat.Embedded && !string.IsNullOrWhiteSpace(Path))
            problems.Add($"{path}.path", "null for format embedded (the embedded set has no path)", $"'{Path}'");
        if (Path is { } p && Storage.S3Location.IsS3(p))
        {
            if (Format == DataFormat.Idx)
                problems.Add($"{path}.path", "a local file for format idx (s3:// is for format folder)", $"'{p}'");
            else if (Format == DataFormat.Folder && Storage.S3Location.TryParse(p, out string? expected) is null)
                problems.Add($"{path}.path", expected!, $"'{p}'");
        }
        problems.InRange($"{path}.cache_mib", CacheMib, 1, 1 << 20);
        if (CacheDir is { } dir && (dir.Length == 0 || Storage.S3Location.IsS3(dir)))
            problems.Add($"{path}.cache_dir", "a local folder (null: the system temp folder)", $"'{dir}'");
        if (Limit is { } limit) problems.Positive($"{path}.limit", limit);
        problems.InRange($"{path}.workers", Workers, 0, 64);
        problems.InRange($"{path}.prefetch", Prefetch, 1, 64);
    }
}
