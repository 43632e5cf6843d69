using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Cluster;

/// <summary>A GanCluster run on the bed: how many trainers, the run spec, the fixed ports every host uses.</summary>
public sealed record BedClusterOptions
{
    /// <summary>The run directory, shared by every host (as a ReadWriteMany volume).</summary>
    public required string RunDirectory { get; init; }

    public int Trainers { get; init; } = 3;

    /// <summary>--config / --set arguments passed to every node.</summary>
    public IReadOnlyList<string> SpecArgs { get; init; } = [];

    /// <summary>Akka remoting port, the same on every host (each host has its own address).</summary>
    public int AkkaPort { get; init; } = 4053;

    /// <summary>The trainers' data-plane port.</summary>
    public int DataPort { get; init; } = 5000;

    /// <summary>The built CLI (gancluster.dll), by default the one next to the bed.</summary>
    public string Cli { get; init; } = Path.Combine(AppContext.BaseDirectory, "gancluster.dll");

    /// <summary>Caps every host's link (bits/s; 0: uncapped). A slow network sets the step time, whatever the machine's load.</summary>
    public long LinkBitsPerSecond { get; init; }

    public RestartPolicy Restart { get; init; } = RestartPolicy.OnFailure;

    /// <summary>How long to wait for trainer-0 to register before the others start (it is then the oldest trainer).</summary>
    public TimeSpan FirstTrainerTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Each line a node prints, with the node's name (besides the bed's log files).</summary>
    public Action<string, string>? Output { get; init; }
}
