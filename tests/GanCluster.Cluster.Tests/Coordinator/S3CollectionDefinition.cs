namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>The tests that point this process's S3 client at a test server (process-wide AWS variables) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class S3CollectionDefinition
{
    public const string Name = "s3 (process environment)";
}
