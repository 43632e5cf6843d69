namespace GanCluster.Core.Spec;

public sealed class DataSpec : ISpecSection
{
    [SpecDoc("embedded | idx | folder")]
    public DataFormat Format { get; set; } = DataFormat.Embedded;

    [SpecDoc("file (idx) or folder (folder); relative paths are resolved against the spec file's folder")]
    public string? Path { get; set; }

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
        if (Limit is { } limit) problems.Positive($"{path}.limit", limit);
        problems.InRange($"{path}.workers", Workers, 0, 64);
        problems.InRange($"{path}.prefetch", Prefetch, 1, 64);
    }
}
