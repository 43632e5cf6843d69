namespace GanCluster.Core.Spec;

public sealed class CheckpointSpec : ISpecSection
{
    [SpecDoc("write a checkpoint every N steps (0: only at the end)")]
    public int Every { get; set; } = 500;

    [SpecDoc("keep the newest K checkpoints")]
    public int Keep { get; set; } = 3;

    [SpecDoc("where checkpoints (and the world fence) are kept: null for RUN_DIR/checkpoints, or s3://bucket/prefix (endpoint, region and keys from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")]
    public string? Uri { get; set; }

    public void Validate(SpecProblems problems, string path)
    {
        if (Uri is { } uri && Storage.S3Location.TryParse(uri, out string? expected) is null)
            problems.Add($"{path}.uri", expected!, $"'{uri}'");
        problems.AtLeast($"{path}.every", Every, 0);
        problems.AtLeast($"{path}.keep", Keep, 1);
    }
}
