namespace GanCluster.Telemetry;

/// <summary>Who this node is (the labels on every series) and where it serves /metrics.</summary>
public sealed record TelemetryOptions
{
    /// <summary>Environment variable that names the node (a pod name on Kubernetes; coord, t0, ... in `local` runs).</summary>
    public const string NodeNameVariable = "GANCLUSTER_NODE_NAME";

    /// <summary>The run's name: the run directory's name, the same on every node.</summary>
    public required string Run { get; init; }

    /// <summary>This process: $GANCLUSTER_NODE_NAME, else host:pid.</summary>
    public string Node { get; init; } = DefaultNode();

    /// <summary>coordinator or trainer (single-process `train` runs say train).</summary>
    public required string Role { get; init; }

    /// <summary>TCP port of the /metrics endpoint; 0 serves nothing (instruments still record, for tests and in-process readers).</summary>
    public int MetricsPort { get; init; }

    /// <summary>Address the endpoint binds to: + (every interface, the default) or a host name such as 127.0.0.1.</summary>
    public string MetricsHost { get; init; } = "+";

    public static string RunName(string runDir) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDir)));

    public static string DefaultNode() =>
        Environment.GetEnvironmentVariable(NodeNameVariable) is { Length: > 0 } name ? name : $"{Environment.MachineName}:{Environment.ProcessId}";
}
