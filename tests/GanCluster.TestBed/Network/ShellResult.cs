namespace GanCluster.TestBed.Network;

/// <summary>What a command run to completion printed, and its exit code.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}
