namespace GanCluster.Core.Spec;

public sealed class DataSpec : ISpecSection
{
    [SpecDoc("embedded | idx | folder")]
    public DataFormat Format { get; set; } = DataFormat.Embedded;

    [SpecDoc("file (idx) or folder (folder); relative paths are resolved against the spec file's folder")]
    public string? Path { get; set; }

    [SpecDoc("use only the first N images (null: all)")]
    public int? Limit { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        if (Format != DataFormat.Embedded && string.IsNullOrWhiteSpace(Path))
            problems.Add($"{path}.path", $"a path for format {SpecSchema.FormatScalar(Format)}", "null");
        if (Format == DataFormat.Embedded && !string.IsNullOrWhiteSpace(Path))
            problems.Add($"{path}.path", "null for format embedded (the embedded set has no path)", $"'{Path}'");
        if (Limit is { } limit) problems.Positive($"{path}.limit", limit);
    }
}
