namespace GanCluster.TestBed.Processes;

/// <summary>
/// A process to run on a bed host, as a container spec: what to run, its environment and working directory, and
/// whether a supervisor restarts it (with the kubelet's doubling back-off, reset after a run of
/// <see cref="BackoffResetAfter"/>).
/// </summary>
public sealed record ProcessSpec
{
    /// <summary>Unique on its host; names its log file and its records in the supervisor log.</summary>
    public required string Name { get; init; }

    /// <summary>The program (absolute path, or a name on PATH).</summary>
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Variables set on top of the inherited environment (or instead of it, see <see cref="InheritEnvironment"/>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>False: the process sees only <see cref="Environment"/> and PATH, as a container does.</summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>Working directory inside the host (default: /).</summary>
    public string WorkingDirectory { get; init; } = "/";

    public RestartPolicy Restart { get; init; } = RestartPolicy.OnFailure;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An incarnation that ran this long resets the back-off to <see cref="InitialBackoff"/>.</summary>
    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxRestarts { get; init; } = 100;

    /// <summary>Called with every line the process prints (stdout and stderr), besides its log file.</summary>
    public Action<string>? Output { get; init; }
}
