using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// A trainer never forms a cluster of its own (docs/fault-tolerance.md, "Split brain"): one whose seed list names only
/// itself is a configuration error (exit 2, one line naming --seed-nodes), not a node that waits and then asks to be
/// restarted. Before the membership model such a trainer formed a one-node cluster and, a minute later, exited 3
/// ("no coordinator in this cluster"), over and over under a supervisor. Exit code 3 itself (a node downed on the
/// minority side of a partition) is asserted on separate hosts in GanCluster.TestBed.Tests' PartitionScheduleTests.
/// </summary>
public class RejoinExitCodeTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-rejoin-");

    [Fact]
    public void A_trainer_seeded_only_with_itself_is_refused_as_bad_input()
    {
        int port = FreePort();
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(4),
            ["trainer", "--out", "run", "--port", port.ToString(), "--seed-nodes", $"127.0.0.1:{port}", .. TinyRun.Args],
            new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = "t" });
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        Assert.Contains("--seed-nodes", r.Stderr);
        Assert.Contains("never forms a cluster", r.Stderr);
    }

    static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
