using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// Exit code 3 (rejoin requested): a trainer node in a cluster without a coordinator leaves after the coordinator
/// watchdog's minute, so that its supervisor starts a new member. The node seeds itself with a host:port seed address.
/// </summary>
public class RejoinExitCodeTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-rejoin-");

    [Fact]
    public void A_trainer_without_a_coordinator_asks_to_be_restarted_with_exit_code_3()
    {
        int port = FreePort();
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(4),
            ["trainer", "--out", "run", "--port", port.ToString(), "--seed-nodes", $"127.0.0.1:{port}", .. TinyRun.Args],
            new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = "t" });
        Assert.True(r.ExitCode == ExitCodes.RejoinRequested, r.ToString());
        Assert.Contains("no coordinator in this cluster", r.Stderr);
    }

    static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
